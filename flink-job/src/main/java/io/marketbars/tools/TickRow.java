package io.marketbars.tools;

import java.math.BigDecimal;
import java.time.Instant;

/** One valid row, reused across rows because the import is a tight loop. */
final class TickRow {
    String symbol;
    Instant ts;
    BigDecimal price;
    BigDecimal qty;
    long seq;
    String side;
    BigDecimal bid;
    BigDecimal ask;
    /** The row in the tick JSON contract, as sent: the bytes the job's rules read (or, for a decimal with an exponent, the same values). */
    byte[] value;
}
