/**
 * Trades to 1-minute OHLCV bars: each symbol's ticks deduplicated, judged for lateness and released
 * in event-time order ({@link io.marketbars.ohlcv.OrderAndDeduplicate}), their side classified
 * ({@link io.marketbars.ohlcv.SideClassifier}), folded there into one partial bar per symbol and
 * minute, and merged by the 1-minute window
 * ({@link io.marketbars.ohlcv.BarMinuteWindows}, {@link io.marketbars.ohlcv.BarAggregate},
 * {@link io.marketbars.ohlcv.BarWindowFunction}).
 *
 * <p>The state these operators keep ({@code TradeKeyScalars}, {@code BarAccumulator}) lives in
 * {@link io.marketbars.functions}: see there why.
 */
package io.marketbars.ohlcv;
