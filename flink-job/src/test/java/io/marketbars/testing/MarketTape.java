package io.marketbars.testing;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A deterministic trading session as it reaches Kafka: every record with its partition and offset,
 * what it should become (a trade, a duplicate, a late trade, a malformed record), and nothing the
 * job computes. The oracle and the integration tests read from here.
 *
 * <p>Symbols come in four profiles so that each classification path is exercised without making
 * the expected result depend on timing: explicit side; bid/ask (never exactly at the midpoint);
 * tick rule with seq; tick rule without seq (ties broken by offset). Late-but-allowed ticks only
 * go to the first two profiles, because whether such a tick is released in order or passed as late
 * depends on how partitions interleave, and the tick rule would see it in one case only.
 */
public final class MarketTape {

    /** What a record is meant to be. */
    public enum Kind {
        TRADE,
        DUPLICATE,
        LATE_ALLOWED,
        TOO_LATE,
        MALFORMED
    }

    /** One Kafka record and the truth about it. */
    public static final class Entry {
        public final Kind kind;
        public final String symbol;
        public final long tsMicros;
        public final String price;
        public final String qty;
        public final Long seq;
        public final String side;
        public final String bid;
        public final String ask;
        public final String expectedReason;
        public final byte[] value;
        public int partition;
        public long offset;
        long arrival;

        Entry(
                Kind kind,
                String symbol,
                long tsMicros,
                String price,
                String qty,
                Long seq,
                String side,
                String bid,
                String ask,
                String expectedReason,
                byte[] value) {
            this.kind = kind;
            this.symbol = symbol;
            this.tsMicros = tsMicros;
            this.price = price;
            this.qty = qty;
            this.seq = seq;
            this.side = side;
            this.bid = bid;
            this.ask = ask;
            this.expectedReason = expectedReason;
            this.value = value;
        }

        public byte[] key() {
            return symbol == null ? null : symbol.getBytes(StandardCharsets.UTF_8);
        }
    }

    public final List<Entry> records;
    public final int partitions;
    public final Instant start;

    private MarketTape(List<Entry> records, int partitions, Instant start) {
        this.records = records;
        this.partitions = partitions;
        this.start = start;
    }

    /**
     * @param boundMillis the job's out-of-orderness bound: arrival delays of ordinary trades stay below it
     * @param tooLateMillis how far behind its partition a TOO_LATE tick arrives (well past lateness and partition skew)
     */
    public static MarketTape generate(
            long seed,
            int symbols,
            int minutes,
            int ticksPerMinute,
            int partitions,
            long boundMillis,
            long tooLateMillis) {
        return generate(
                seed,
                symbols,
                minutes,
                ticksPerMinute,
                partitions,
                boundMillis,
                tooLateMillis,
                Instant.parse("2024-12-02T02:00:00Z"));
    }

    /** The same tape starting at {@code start} (a whole minute), to share the time line of another tape. */
    public static MarketTape generate(
            long seed,
            int symbols,
            int minutes,
            int ticksPerMinute,
            int partitions,
            long boundMillis,
            long tooLateMillis,
            Instant start) {
        Random r = new Random(seed);
        long t0 = start.toEpochMilli() * 1000L;
        List<Entry> all = new ArrayList<>();
        for (int s = 0; s < symbols; s++) {
            String symbol = "S" + String.format("%03d", s);
            int profile = s % 4;
            long cents = 1000 + r.nextInt(9000);
            long seq = 1000L * s;
            int partition = s % partitions;
            for (int m = 0; m < minutes; m++) {
                int n = Math.max(1, ticksPerMinute / 2 + r.nextInt(ticksPerMinute));
                if (r.nextInt(20) == 0) {
                    continue; // a quiet minute: no bar
                }
                for (int i = 0; i < n; i++) {
                    // Many trades share a millisecond, so the (ts, seq/offset) tie-break matters.
                    long ts = t0
                            + (m * 60_000L + (long) r.nextInt(60) * 1000L + (r.nextInt(4) == 0 ? 0 : r.nextInt(1000)))
                                    * 1000L;
                    cents = Math.max(100, cents + r.nextInt(7) - 3);
                    String price = BigDecimal.valueOf(cents, 2).toPlainString();
                    String qty = profile == 1
                            ? BigDecimal.valueOf(1 + r.nextInt(50_000), 4).toPlainString()
                            : Integer.toString(100 * (1 + r.nextInt(30)));
                    String side = null;
                    String bid = null;
                    String ask = null;
                    if (profile == 0) {
                        side = r.nextBoolean() ? "B" : "S";
                    } else if (profile == 1) {
                        int where = r.nextInt(3);
                        // at the ask, at the bid, or a quarter of the spread from one of them: never the midpoint
                        bid = BigDecimal.valueOf(where == 0 ? cents - 4 : where == 1 ? cents : cents - 1, 2)
                                .toPlainString();
                        ask = BigDecimal.valueOf(where == 0 ? cents : where == 1 ? cents + 4 : cents + 3, 2)
                                .toPlainString();
                    }
                    Long seqValue = profile == 3 ? null : ++seq;
                    Kind kind = Kind.TRADE;
                    if (profile < 2 && r.nextInt(60) == 0) {
                        kind = Kind.LATE_ALLOWED;
                    }
                    Entry e = trade(kind, symbol, ts, price, qty, seqValue, side, bid, ask);
                    e.partition = partition;
                    e.arrival = kind == Kind.LATE_ALLOWED
                            ? ts / 1000 + 20_000 + r.nextInt(15_000)
                            : ts / 1000 + (long) (r.nextDouble() * boundMillis * 0.8);
                    all.add(e);
                    if (seqValue != null && r.nextInt(80) == 0) {
                        Entry dup = trade(Kind.DUPLICATE, symbol, ts, price, qty, seqValue, side, bid, ask);
                        dup.partition = partition;
                        dup.arrival = e.arrival + 1 + r.nextInt(300);
                        all.add(dup);
                    }
                }
            }
            if (profile < 2 && minutes > tooLateMillis / 60_000 + 2) {
                // Two ticks long after their bar closed for good.
                for (int k = 0; k < 2; k++) {
                    long ts = t0 + (long) (k * 60_000 + r.nextInt(50_000)) * 1000L;
                    Entry e = trade(Kind.TOO_LATE, symbol, ts, "77.77", "1", ++seq, "B", null, null);
                    e.partition = partition;
                    e.arrival = ts / 1000 + tooLateMillis + r.nextInt(30_000);
                    all.add(e);
                }
            }
        }
        // Malformed records, spread over partitions and time.
        String[][] bad = {
            {"{\"symbol\":\"S000\",\"ts\":\"%s\",\"price\":\"1\"", "MALFORMED_JSON"},
            {"{\"symbol\":\"S001\",\"ts\":\"%s\",\"price\":\"-3\",\"qty\":\"1\"}", "NON_POSITIVE_PRICE"},
            {"{\"symbol\":\"S002\",\"ts\":\"%s\",\"price\":\"3\",\"qty\":\"-1\"}", "NEGATIVE_QUANTITY"},
            {"{\"symbol\":\"S003\",\"ts\":\"%s\",\"qty\":\"1\"}", "MISSING_FIELD"},
            {"{\"symbol\":\"S004\",\"ts\":\"%s\",\"price\":\"3\",\"qty\":\"1\",\"side\":\"X\"}", "UNKNOWN_SIDE"},
            {"{\"symbol\":\"S005\",\"ts\":\"%s\",\"price\":\"NaN\",\"qty\":\"1\"}", "INVALID_FIELD"},
            {"\u00ff\u00fe garbage %s", "MALFORMED_JSON"},
        };
        int malformed = Math.max(bad.length, symbols * minutes / 40);
        for (int i = 0; i < malformed; i++) {
            String[] b = bad[i % bad.length];
            long ts = t0 + (long) r.nextInt(minutes * 60_000) * 1000L;
            byte[] value = String.format(b[0], Instant.ofEpochMilli(ts / 1000)).getBytes(StandardCharsets.ISO_8859_1);
            Entry e = new Entry(Kind.MALFORMED, "S00" + (i % 6), ts, null, null, null, null, null, null, b[1], value);
            e.partition = i % partitions;
            e.arrival = ts / 1000;
            all.add(e);
        }
        // Arrival order per partition decides offsets.
        all.sort(Comparator.comparingLong((Entry e) -> e.arrival).thenComparingLong(e -> e.tsMicros));
        long[] next = new long[partitions];
        for (Entry e : all) {
            e.offset = next[e.partition]++;
        }
        return new MarketTape(all, partitions, start);
    }

    static Entry trade(
            Kind kind,
            String symbol,
            long ts,
            String price,
            String qty,
            Long seq,
            String side,
            String bid,
            String ask) {
        StringBuilder json =
                new StringBuilder(160).append("{\"symbol\":\"").append(symbol).append('"');
        // Alternate the two timestamp forms of the contract: epoch millis and ISO-8601 with an offset.
        if (ts % 1000 == 0 && (ts / 1000) % 2 == 0) {
            json.append(",\"ts\":").append(ts / 1000);
        } else {
            json.append(",\"ts\":\"")
                    .append(Instant.ofEpochSecond(ts / 1_000_000, (ts % 1_000_000) * 1000)
                            .atOffset(java.time.ZoneOffset.ofHours(7)))
                    .append('"');
        }
        // Prices as strings, quantities as bare JSON numbers on every other tick: both must stay exact.
        json.append(",\"price\":\"").append(price).append('"');
        json.append(",\"qty\":").append(seq != null && seq % 2 == 0 ? qty : "\"" + qty + "\"");
        if (seq != null) {
            json.append(",\"seq\":").append(seq);
        }
        if (side != null) {
            json.append(",\"side\":\"").append(side).append('"');
        }
        if (bid != null) {
            json.append(",\"bid\":\"")
                    .append(bid)
                    .append("\",\"ask\":\"")
                    .append(ask)
                    .append('"');
        }
        json.append('}');
        return new Entry(
                kind,
                symbol,
                ts,
                price,
                qty,
                seq,
                side,
                bid,
                ask,
                kind == Kind.TOO_LATE ? "LATE_BEYOND_ALLOWED_LATENESS" : null,
                json.toString().getBytes(StandardCharsets.UTF_8));
    }

    public long count(Kind kind) {
        return records.stream().filter(e -> e.kind == kind).count();
    }
}
