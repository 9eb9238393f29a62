package io.marketbars.testing;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A deterministic tape for the basis and foreign-flow outputs: futures trades (one published under
 * the rolling alias VN30F1M), VN30 index values and foreign-flow snapshots, across midnight in Ho
 * Chi Minh City (17:00 UTC), with the index quiet around it so the first trades of the new day
 * have no index value. Records arrive shuffled within the out-of-orderness bound, with duplicates,
 * late records within the lateness, too-late and malformed ones, and feed resets; every record
 * knows what it is, so {@link FeedOracle} can say what the tables must hold.
 */
public final class FeedTape {
    public static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
    public static final Instant START = Instant.parse("2024-12-02T16:50:00Z");
    /** 00:00 on 3 December in Ho Chi Minh City. */
    public static final Instant MIDNIGHT = Instant.parse("2024-12-02T17:00:00Z");

    public static final int MINUTES = 14;
    /** The index publishes nothing from here until {@link #INDEX_RESUMES}. */
    public static final Instant INDEX_PAUSES = Instant.parse("2024-12-02T16:58:00Z");

    public static final Instant INDEX_RESUMES = Instant.parse("2024-12-02T17:01:30Z");

    public enum Feed {
        TRADES,
        INDEX,
        FLOW
    }

    public enum Kind {
        VALID,
        DUPLICATE,
        LATE_ALLOWED,
        TOO_LATE,
        MALFORMED
    }

    /** One Kafka record and the truth about it. */
    public static final class Rec {
        public final Feed feed;
        public final Kind kind;
        public final String symbol;
        public final long tsMicros;
        /** Trades: price, qty. Index: value. Flow: buy, sell, buy value, sell value (may be null). */
        public final String[] fields;

        public final Long seq;
        public final byte[] value;
        public String expectedReason;
        public int partition;
        public long offset;
        long arrival;

        Rec(Feed feed, Kind kind, String symbol, long tsMicros, Long seq, String[] fields, byte[] value) {
            this.feed = feed;
            this.kind = kind;
            this.symbol = symbol;
            this.tsMicros = tsMicros;
            this.seq = seq;
            this.fields = fields;
            this.value = value;
        }

        public byte[] key() {
            return symbol.getBytes(StandardCharsets.UTF_8);
        }

        public boolean accepted() {
            return kind == Kind.VALID || kind == Kind.LATE_ALLOWED;
        }
    }

    public final List<Rec> trades = new ArrayList<>();
    public final List<Rec> index = new ArrayList<>();
    public final List<Rec> flow = new ArrayList<>();

    private final Random random;
    private final long startMillis = START.toEpochMilli();
    private final long endMillis = START.plusSeconds(60L * MINUTES).toEpochMilli();

    private final long indexPausesMillis;
    private final long indexResumesMillis;

    private FeedTape(long seed, Instant indexPauses, Instant indexResumes) {
        random = new Random(seed);
        indexPausesMillis = indexPauses.toEpochMilli();
        indexResumesMillis = indexResumes.toEpochMilli();
    }

    public static FeedTape generate(long seed) {
        return generate(new FeedTape(seed, INDEX_PAUSES, INDEX_RESUMES));
    }

    /**
     * A tape whose index goes quiet for only {@code indexPause} around midnight, for runs that
     * publish it at many times its real pace while the job reads as it comes: a pause of minutes
     * would then be a quiet index partition in wall-clock time too, which live mode rightly
     * closes by the clock.
     */
    public static FeedTape generate(long seed, java.time.Duration indexPause) {
        return generate(
                new FeedTape(seed, MIDNIGHT.minus(indexPause.dividedBy(2)), MIDNIGHT.plus(indexPause.dividedBy(2))));
    }

    private static FeedTape generate(FeedTape t) {
        List<long[]> indexSeries = t.indexValues();
        t.futuresTrades(indexSeries);
        t.flowSnapshots();
        t.arrange(t.trades, 2);
        t.arrange(t.index, 1);
        t.arrange(t.flow, 2);
        return t;
    }

    public List<Rec> all() {
        List<Rec> all = new ArrayList<>(trades);
        all.addAll(index);
        all.addAll(flow);
        return all;
    }

    // ----------------------------------------------------------------------------------------

    /** VN30 every second or so, a random walk in hundredths; {ts millis, value in hundredths}. */
    private List<long[]> indexValues() {
        List<long[]> series = new ArrayList<>();
        long value = 130_000;
        Set<Long> used = new HashSet<>();
        for (long ts = startMillis + 300; ts < endMillis - 5_000; ts += 700 + random.nextInt(600)) {
            if (ts >= indexPausesMillis && ts < indexResumesMillis) {
                continue;
            }
            if (!used.add(ts)) {
                continue;
            }
            value += random.nextInt(41) - 20;
            series.add(new long[] {ts, value});
            Kind kind = kind(ts, 0.03);
            Rec r = index(kind, ts, value);
            index.add(r);
            if (kind == Kind.VALID && random.nextDouble() < 0.03) {
                index.add(index(Kind.DUPLICATE, ts, value));
            }
            if (random.nextDouble() < 0.01) {
                index.add(malformed(
                        Feed.INDEX,
                        "VN30",
                        ts,
                        "{\"symbol\":\"VN30\",\"ts\":" + ts + ",\"value\":-5}",
                        "NON_POSITIVE_PRICE"));
            }
        }
        // A too-late value the table must not see: its minute had closed for good long before.
        long stale = startMillis + 2 * 60_000 + 12_345;
        Rec tooLate = index(Kind.TOO_LATE, stale, 999_999);
        index.add(tooLate);
        index.add(malformed(Feed.INDEX, "VN30", startMillis + 100_000, "not json at all", "MALFORMED_JSON"));
        return series;
    }

    private Rec index(Kind kind, long ts, long hundredths) {
        String v = BigDecimal.valueOf(hundredths, 2).toPlainString();
        byte[] json = ("{\"symbol\":\"VN30\",\"ts\":" + ts + ",\"value\":" + v + "}").getBytes(StandardCharsets.UTF_8);
        Rec r = new Rec(Feed.INDEX, kind, "VN30", ts * 1000, null, new String[] {v}, json);
        r.arrival = arrival(kind, ts);
        if (kind == Kind.TOO_LATE) {
            r.expectedReason = "LATE_BEYOND_ALLOWED_LATENESS";
        }
        return r;
    }

    /** Futures trades on the index plus a drifting basis; VN30F1M is VN30F2412 on these days. */
    private void futuresTrades(List<long[]> indexSeries) {
        // One key per contract, as the trades contract requires: the front month only under its
        // alias, the next under its code.
        String[][] published = {{"VN30F1M", "VN30F2412"}, {"VN30F2501", "VN30F2501"}};
        java.util.Map<String, Long> seqs = new java.util.HashMap<>();
        java.util.Map<String, Set<Long>> usedTs = new java.util.HashMap<>();
        for (String[] p : published) {
            long basis = "VN30F2501".equals(p[1]) ? 1_500 : 800; // hundredths of a point
            for (long ts = startMillis + 500 + random.nextInt(3_000);
                    ts < endMillis - 8_000;
                    ts += 3_000 + random.nextInt(5_000)) {
                while (!usedTs.computeIfAbsent(p[1], k -> new HashSet<>()).add(ts)) {
                    ts++;
                }
                basis += random.nextInt(21) - 10;
                long spot = spotAt(indexSeries, ts);
                long price = Math.round((spot + basis) / 10.0) * 10; // 0.1-point ticks
                long seq = seqs.merge(p[1], 1L, Long::sum);
                String priceText =
                        BigDecimal.valueOf(price, 2).stripTrailingZeros().toPlainString();
                String qty = Integer.toString(1 + random.nextInt(20));
                byte[] json = ("{\"symbol\":\"" + p[0] + "\",\"ts\":" + ts + ",\"price\":\"" + priceText + "\",\"qty\":"
                                + qty + ",\"seq\":" + seq + "}")
                        .getBytes(StandardCharsets.UTF_8);
                Rec r = new Rec(
                        Feed.TRADES, Kind.VALID, p[0], ts * 1000, seq, new String[] {priceText, qty, p[1]}, json);
                r.arrival = arrival(Kind.VALID, ts);
                r.partition = "VN30F1M".equals(p[0]) ? 0 : 1;
                trades.add(r);
                if (random.nextDouble() < 0.05) {
                    Rec d = new Rec(Feed.TRADES, Kind.DUPLICATE, p[0], ts * 1000, seq, r.fields, json);
                    d.arrival = arrival(Kind.VALID, ts);
                    d.partition = r.partition;
                    trades.add(d);
                }
            }
        }
    }

    private static long spotAt(List<long[]> series, long ts) {
        long v = series.get(0)[1];
        for (long[] p : series) {
            if (p[0] > ts) {
                break;
            }
            v = p[1];
        }
        return v;
    }

    /** Cumulative-for-the-day foreign buying and selling, restarting at midnight, with resets. */
    private void flowSnapshots() {
        String[] symbols = {"FPT", "VNM", "HPG", "VCB", "MWG", "SSI"};
        for (int s = 0; s < symbols.length; s++) {
            String symbol = symbols[s];
            boolean values = s % 2 == 0;
            long buy = 0;
            long sell = 0;
            long buyValue = 0;
            long sellValue = 0;
            boolean newDay = false;
            boolean tooLateDone = false;
            for (long ts = startMillis + 200 + random.nextInt(2_000);
                    ts < endMillis - 8_000;
                    ts += 3_000 + random.nextInt(4_000)) {
                if (!newDay && ts >= MIDNIGHT.toEpochMilli()) {
                    newDay = true;
                    buy = sell = buyValue = sellValue = 0;
                }
                long b = 10L * random.nextInt(30);
                long q = 10L * random.nextInt(30);
                buy += b;
                sell += q;
                buyValue += b * (50 + s);
                sellValue += q * (50 + s);
                Kind kind = kind(ts, 0.04);
                if (!tooLateDone && ts > startMillis + 5 * 60_000) {
                    tooLateDone = true;
                    flow.add(snapshot(
                            Kind.TOO_LATE, symbol, ts - 1, buy + 7, sell, values ? buyValue + 7 : -1, sellValue));
                }
                flow.add(snapshot(kind, symbol, ts, buy, sell, values ? buyValue : -1, sellValue));
                if (kind == Kind.VALID && random.nextDouble() < 0.04) {
                    flow.add(snapshot(Kind.DUPLICATE, symbol, ts, buy, sell, values ? buyValue : -1, sellValue));
                }
                if (random.nextDouble() < 0.03 && !newDay) {
                    // A reconnect to a stale server: counters behind the live ones, valid data.
                    long back = 10L * (1 + random.nextInt(5));
                    ts += 1_000;
                    flow.add(snapshot(
                            Kind.VALID, symbol, ts, Math.max(0, buy - back), sell, values ? buyValue : -1, sellValue));
                }
            }
            flow.add(malformed(
                    Feed.FLOW,
                    symbol,
                    startMillis + 60_000 + s,
                    "{\"symbol\":\"" + symbol + "\",\"ts\":" + (startMillis + 60_000) + ",\"buy_qty\":5}",
                    "MISSING_FIELD"));
        }
    }

    private Rec snapshot(Kind kind, String symbol, long ts, long buy, long sell, long buyValue, long sellValue) {
        String bv = buyValue < 0 ? null : Long.toString(buyValue);
        String sv = buyValue < 0 ? null : Long.toString(sellValue);
        String json = "{\"symbol\":\"" + symbol + "\",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\",\"buy_qty\":" + buy
                + ",\"sell_qty\":" + sell + (bv == null ? "" : ",\"buy_value\":" + bv + ",\"sell_value\":" + sv) + "}";
        Rec r = new Rec(
                Feed.FLOW,
                kind,
                symbol,
                ts * 1000,
                null,
                new String[] {Long.toString(buy), Long.toString(sell), bv, sv},
                json.getBytes(StandardCharsets.UTF_8));
        r.arrival = arrival(kind, ts);
        r.partition = Math.floorMod(symbol.hashCode(), 2);
        if (kind == Kind.TOO_LATE) {
            r.expectedReason = "LATE_BEYOND_ALLOWED_LATENESS";
        }
        return r;
    }

    private Rec malformed(Feed feed, String symbol, long arrivalTs, String text, String reason) {
        Rec r = new Rec(
                feed,
                Kind.MALFORMED,
                symbol,
                arrivalTs * 1000,
                null,
                new String[0],
                text.getBytes(StandardCharsets.UTF_8));
        r.arrival = arrivalTs;
        r.expectedReason = reason;
        r.partition = feed == Feed.FLOW ? Math.floorMod(symbol.hashCode(), 2) : 0;
        return r;
    }

    /** Late records only well inside the tape, so the stream goes on long enough past them. */
    private Kind kind(long ts, double late) {
        boolean inside = ts > startMillis + 90_000 && ts < endMillis - 4 * 60_000;
        return inside && random.nextDouble() < late ? Kind.LATE_ALLOWED : Kind.VALID;
    }

    /**
     * Arrival order: within 1.5 s of the event (the bound is 2 s); late 25 s after, or 100 s after
     * (when the next minute has closed too, so a late record must re-emit minutes after its own);
     * too late 300 s after (the IT's allowed lateness is 3 minutes).
     */
    private long arrival(Kind kind, long ts) {
        switch (kind) {
            case LATE_ALLOWED:
                return ts + (random.nextBoolean() ? 25_000 : 100_000);
            case TOO_LATE:
                return ts + 300_000;
            default:
                return ts + random.nextInt(1_500);
        }
    }

    /** Orders each partition's records by arrival and numbers them with their Kafka offsets. */
    private void arrange(List<Rec> recs, int partitions) {
        recs.sort(Comparator.comparingLong((Rec r) -> r.arrival).thenComparingLong(r -> r.tsMicros));
        long[] next = new long[partitions];
        for (Rec r : recs) {
            r.offset = next[r.partition]++;
        }
    }
}
