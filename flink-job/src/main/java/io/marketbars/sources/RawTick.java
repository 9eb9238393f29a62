package io.marketbars.sources;

import java.math.BigDecimal;

/**
 * The raw values of one trade record, before the rules: what either front end of
 * {@link TickParser} (Jackson, or the {@link TickScanner}) took out of the JSON. Null means absent
 * (JSON null is absent too). One instance per parser, reused for every record.
 */
final class RawTick {
    String symbol;
    String side;
    boolean hasTs;
    long ts;
    BigDecimal price;
    BigDecimal qty;
    BigDecimal bid;
    BigDecimal ask;
    Long seq;
    // The fast path's last number token: integer or not; when it has no exponent and at most 18
    // digits ("plain"), its digits as a long and its scale, so it needs no second pass.
    boolean numInteger;
    boolean numPlain;
    long numUnscaled;
    int numScale;

    RawTick clear() {
        symbol = side = null;
        hasTs = false;
        price = qty = bid = ask = null;
        seq = null;
        return this;
    }
}
