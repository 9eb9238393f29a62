package io.marketbars.basis;

import io.marketbars.common.RouteRejected;
import io.marketbars.records.Tick;

/**
 * Valid trades on a rolling futures alias (VN30F1M) leave the router under the real contract code
 * of their trading day, so bars, deduplication and the basis all see one symbol per contract.
 */
public final class ResolveFuturesAliases implements RouteRejected.Rewrite<Tick> {
    private static final long serialVersionUID = 1L;

    private final FuturesContracts contracts;

    public ResolveFuturesAliases(FuturesContracts contracts) {
        this.contracts = contracts;
    }

    @Override
    public String metricName() {
        return "futuresAliasesResolved";
    }

    @Override
    public boolean apply(Tick tick) {
        String contract = contracts.resolve(tick.symbol, tick.tsMillis());
        if (contract.equals(tick.symbol)) {
            return false;
        }
        tick.symbol = contract;
        return true;
    }
}
