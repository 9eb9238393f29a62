package io.marketbars.records;

import java.math.BigDecimal;

/** One value of a spot index (VN30, S&amp;P 500) at an instant, from the index-values topic. */
public class IndexValue extends FeedRecord {
    public BigDecimal value;

    public IndexValue() {}

    @Override
    public String toString() {
        return "IndexValue{" + symbol + " " + tsMicros + " " + value + "}";
    }
}
