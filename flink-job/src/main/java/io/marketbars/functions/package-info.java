/**
 * The classes held in keyed state and window accumulators, and only those: {@link
 * io.marketbars.functions.TradeKeyState} (trades), {@link io.marketbars.functions.BarAccumulator}
 * (the OHLCV window, and the partial bars before it), {@link io.marketbars.functions.BasisKeyState}
 * (basis), {@link io.marketbars.functions.FlowKeyState} and {@link io.marketbars.functions.FlowBase}
 * (foreign flow), and {@link io.marketbars.functions.KeyClock}, the clock inside BasisKeyState and
 * FlowKeyState.
 *
 * <p>They stay in this package, named for the flat package they came from, because their fully
 * qualified names are part of the savepoint format: Flink's POJO serializer writes each POJO's
 * class name (and its fields' classes) into the serializer snapshot of every state, and restoring
 * a savepoint loads them by that name. Moving one would make 0.1.0 savepoints unrestorable
 * without a migration (for example the State Processor API rewriting the state under the new
 * name). {@code SavepointCompatibilityE2E} restores a committed 0.1.0 savepoint on every build and
 * would fail. The operators that use them live by output in {@link io.marketbars.ohlcv},
 * {@link io.marketbars.basis} and {@link io.marketbars.flow}. Fields may be added (POJO schema
 * evolution restores them with their defaults); renaming or removing one, or the class, may not.
 */
package io.marketbars.functions;
