/**
 * Trades to 1-minute OHLCV bars: each symbol's ticks deduplicated, judged for lateness and released
 * in event-time order ({@link io.marketbars.ohlcv.OrderAndDeduplicate}), their side classified
 * ({@link io.marketbars.ohlcv.SideClassifier}), folded into partial bars
 * ({@link io.marketbars.ohlcv.CombineRuns}) and merged by the 1-minute window
 * ({@link io.marketbars.ohlcv.BarMinuteWindows}, {@link io.marketbars.ohlcv.BarAggregate},
 * {@link io.marketbars.ohlcv.BarWindowFunction}).
 *
 * <p>The state these operators keep ({@code TradeKeyState}, {@code BarAccumulator}) lives in
 * {@link io.marketbars.functions}: see there why.
 */
package io.marketbars.ohlcv;
