/**
 * Foreign-investor snapshots to 1-minute foreign-flow bars: per symbol, snapshots ordered by event
 * time ({@link io.marketbars.flow.ForeignFlow}) and turned into reset-safe per-minute deltas and day
 * totals ({@link io.marketbars.flow.FlowBars}).
 *
 * <p>The keyed state ({@code FlowKeyState}, {@code FlowBase}) lives in
 * {@link io.marketbars.functions}: see there why.
 */
package io.marketbars.flow;
