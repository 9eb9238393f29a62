/**
 * Futures trades against their underlying index to 1-minute basis bars: the contract calendar
 * ({@link io.marketbars.basis.FuturesContracts}: aliases, underlyings, trading days), the alias
 * rewrite applied as trades enter ({@link io.marketbars.basis.ResolveFuturesAliases}), the
 * event-time as-of join ({@link io.marketbars.basis.AsOfBasis}) and the bar it computes
 * ({@link io.marketbars.basis.BasisBars}).
 *
 * <p>The join's keyed state ({@code BasisKeyState}) lives in {@link io.marketbars.functions}: see
 * there why.
 */
package io.marketbars.basis;
