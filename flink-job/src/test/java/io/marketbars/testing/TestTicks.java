package io.marketbars.testing;

import io.marketbars.common.EventTimePolicy;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** Named instants and a tick builder shared by the unit tests. */
public final class TestTicks {
    /** 2024-12-02T02:15:00Z, i.e. 09:15 in Ho Chi Minh City: a minute boundary. */
    public static final Instant MINUTE_0 = Instant.parse("2024-12-02T02:15:00Z");

    public static final Instant MINUTE_1 = MINUTE_0.plusSeconds(60);
    public static final Instant MINUTE_2 = MINUTE_0.plusSeconds(120);

    /**
     * The event-time policy of an operator test: these bounds, a record may run 30 days ahead of
     * the watermark, and the production idle timeout (operators do not use it).
     */
    public static EventTimePolicy policy(long boundMillis, long latenessMillis, long maxClockJumpMillis) {
        return new EventTimePolicy(
                Duration.ofMillis(boundMillis),
                Duration.ofMillis(latenessMillis),
                Duration.ofDays(30),
                Duration.ofMillis(maxClockJumpMillis),
                Duration.ofSeconds(5));
    }

    private TestTicks() {}

    public static long ms(Instant i) {
        return i.toEpochMilli();
    }

    /** A builder starting from a valid buy-side-unknown tick of {@code symbol}. */
    public static Builder tick(String symbol) {
        return new Builder(symbol);
    }

    /** Fluent construction so each test states only what matters to it. */
    public static final class Builder {
        private final Tick t = new Tick();

        Builder(String symbol) {
            t.symbol = symbol;
            t.tsMicros = MINUTE_0.toEpochMilli() * 1000L;
            t.price = new BigDecimal("100.00");
            t.qty = new BigDecimal("10");
        }

        public Builder at(Instant i) {
            t.tsMicros = i.getEpochSecond() * 1_000_000L + i.getNano() / 1000L;
            return this;
        }

        public Builder atMillis(long epochMillis) {
            t.tsMicros = epochMillis * 1000L;
            return this;
        }

        public Builder price(String p) {
            t.price = new BigDecimal(p);
            return this;
        }

        public Builder qty(String q) {
            t.qty = new BigDecimal(q);
            return this;
        }

        public Builder seq(long s) {
            t.seq = s;
            return this;
        }

        public Builder buy() {
            t.side = Tick.SIDE_BUY;
            return this;
        }

        public Builder sell() {
            t.side = Tick.SIDE_SELL;
            return this;
        }

        public Builder quote(String bid, String ask) {
            t.bid = bid == null ? null : new BigDecimal(bid);
            t.ask = ask == null ? null : new BigDecimal(ask);
            return this;
        }

        public Builder offset(int partition, long offset) {
            t.partition = partition;
            t.offset = offset;
            return this;
        }

        public Tick build() {
            return t;
        }
    }

    private static long offsets;

    /** An index value at {@code at}; each call takes the next offset, so arrival order is call order. */
    public static IndexValue index(String symbol, Instant at, String value) {
        IndexValue v = new IndexValue();
        v.symbol = symbol;
        v.tsMicros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000L;
        v.value = new BigDecimal(value);
        v.offset = ++offsets;
        return v;
    }

    /** A foreign-flow snapshot (cumulative buy and sell quantities), without values. */
    public static FlowSnapshot flow(String symbol, Instant at, String buyQty, String sellQty) {
        FlowSnapshot f = new FlowSnapshot();
        f.symbol = symbol;
        f.tsMicros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000L;
        f.buyQty = new BigDecimal(buyQty);
        f.sellQty = new BigDecimal(sellQty);
        f.offset = ++offsets;
        return f;
    }

    /** The same snapshot with cumulative values. */
    public static FlowSnapshot flow(
            String symbol, Instant at, String buyQty, String sellQty, String buyValue, String sellValue) {
        FlowSnapshot f = flow(symbol, at, buyQty, sellQty);
        f.buyValue = new BigDecimal(buyValue);
        f.sellValue = new BigDecimal(sellValue);
        return f;
    }
}
