package io.marketbars.testing;

import io.marketbars.testing.FeedTape.Rec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code basis_1m} and {@code foreign_flow_1m} must hold for a {@link FeedTape}, computed
 * without the job's code: a brute-force as-of join (every trade scans every index value) and a
 * straight walk over each symbol's snapshots. Rows are pipe-joined column texts, times as epoch
 * microseconds, so a comparison with {@link #read} checks every digit and scale.
 */
public final class FeedOracle {
    private static final long MINUTE_MICROS = 60_000_000L;

    private FeedOracle() {}

    public static List<String> basisRows(FeedTape tape) {
        List<Rec> values = tape.index.stream().filter(Rec::accepted).collect(Collectors.toList());
        Map<String, List<Rec>> byMinute = new TreeMap<>();
        for (Rec t : tape.trades) {
            if (t.accepted()) {
                String contract = t.fields[2];
                byMinute.computeIfAbsent(
                                contract + "|" + Math.floorDiv(t.tsMicros, MINUTE_MICROS) * MINUTE_MICROS,
                                k -> new ArrayList<>())
                        .add(t);
            }
        }
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, List<Rec>> e : byMinute.entrySet()) {
            List<Rec> trades = e.getValue();
            trades.sort(Comparator.comparingLong((Rec r) -> r.tsMicros).thenComparingLong(r -> r.seq));
            BigDecimal open = null, high = null, low = null, close = null, indexClose = null;
            long indexAt = 0, joined = 0, unjoined = 0;
            for (Rec t : trades) {
                Rec asOf = null;
                for (Rec v : values) {
                    if (v.tsMicros <= t.tsMicros
                            && day(v.tsMicros).equals(day(t.tsMicros))
                            && (asOf == null || v.tsMicros > asOf.tsMicros)) {
                        asOf = v;
                    }
                }
                if (asOf == null) {
                    unjoined++;
                    continue;
                }
                BigDecimal basis = new BigDecimal(t.fields[0]).subtract(new BigDecimal(asOf.fields[0]));
                open = open == null ? basis : open;
                high = high == null || basis.compareTo(high) > 0 ? basis : high;
                low = low == null || basis.compareTo(low) < 0 ? basis : low;
                close = basis;
                indexClose = new BigDecimal(asOf.fields[0]);
                indexAt = asOf.tsMicros;
                joined++;
            }
            Rec last = trades.get(trades.size() - 1);
            String[] key = e.getKey().split("\\|");
            rows.add(String.join(
                    "|",
                    key[0],
                    key[1],
                    "VN30",
                    s(open),
                    s(high),
                    s(low),
                    s(close),
                    last.fields[0],
                    s(indexClose),
                    joined == 0 ? "null" : Long.toString(indexAt),
                    joined == 0
                            ? "null"
                            : close.multiply(BigDecimal.valueOf(10_000))
                                    .divide(indexClose, 4, RoundingMode.HALF_EVEN)
                                    .toPlainString(),
                    Long.toString(joined),
                    Long.toString(unjoined),
                    Long.toString(trades.get(0).tsMicros),
                    Long.toString(last.tsMicros)));
        }
        return rows;
    }

    public static List<String> flowRows(FeedTape tape) {
        Map<String, List<Rec>> bySymbol = new TreeMap<>();
        for (Rec r : tape.flow) {
            if (r.accepted()) {
                bySymbol.computeIfAbsent(r.symbol, k -> new ArrayList<>()).add(r);
            }
        }
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, List<Rec>> e : bySymbol.entrySet()) {
            List<Rec> snaps = e.getValue();
            snaps.sort(Comparator.comparingLong(r -> r.tsMicros));
            // Walk: per snapshot, its delta from the previous snapshot of the same day (zero at a day's start).
            LocalDate day = null;
            BigDecimal[] prev = null;
            Long prevMillis = null;
            BigDecimal dayBuy = null, daySell = null, dayBuyValue = null, daySellValue = null;
            Map<Long, List<Object[]>> minutes = new TreeMap<>();
            for (Rec r : snaps) {
                LocalDate d = day(r.tsMicros);
                if (!d.equals(day)) {
                    day = d;
                    prev = new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO};
                    prevMillis = null;
                    dayBuy = daySell = dayBuyValue = daySellValue = BigDecimal.ZERO;
                }
                BigDecimal[] cur = {
                    new BigDecimal(r.fields[0]),
                    new BigDecimal(r.fields[1]),
                    r.fields[2] == null ? null : new BigDecimal(r.fields[2]),
                    r.fields[3] == null ? null : new BigDecimal(r.fields[3])
                };
                boolean values = cur[2] != null && prev[2] != null;
                boolean reset = false;
                for (int i = 0; i < (values ? 4 : 2); i++) {
                    reset |= cur[i].compareTo(prev[i]) < 0;
                }
                BigDecimal[] delta = new BigDecimal[4];
                for (int i = 0; i < 4; i++) {
                    delta[i] = i >= 2 && !values ? null : reset ? BigDecimal.ZERO : cur[i].subtract(prev[i]);
                }
                long millis = Math.floorDiv(r.tsMicros, 1000L);
                long span = !reset && prevMillis != null ? millis - prevMillis : -1;
                dayBuy = dayBuy.add(delta[0]);
                daySell = daySell.add(delta[1]);
                dayBuyValue = values && dayBuyValue != null ? dayBuyValue.add(delta[2]) : null;
                daySellValue = values && daySellValue != null ? daySellValue.add(delta[3]) : null;
                prev = cur;
                prevMillis = millis;
                minutes.computeIfAbsent(
                                Math.floorDiv(r.tsMicros, MINUTE_MICROS) * MINUTE_MICROS, k -> new ArrayList<>())
                        .add(new Object[] {delta, span, reset, r.tsMicros, d, dayBuy, daySell, dayBuyValue, daySellValue
                        });
            }
            for (Map.Entry<Long, List<Object[]>> m : minutes.entrySet()) {
                BigDecimal buy = BigDecimal.ZERO, sell = BigDecimal.ZERO, bv = BigDecimal.ZERO, sv = BigDecimal.ZERO;
                BigDecimal ratedBuy = BigDecimal.ZERO, ratedSell = BigDecimal.ZERO;
                boolean valuesKnown = true;
                long span = 0;
                int resets = 0;
                Object[] last = null;
                for (Object[] o : m.getValue()) {
                    BigDecimal[] d = (BigDecimal[]) o[0];
                    buy = buy.add(d[0]);
                    sell = sell.add(d[1]);
                    if (d[2] == null) {
                        valuesKnown = false;
                    } else {
                        bv = bv.add(d[2]);
                        sv = sv.add(d[3]);
                    }
                    if ((long) o[1] >= 0) {
                        span += (long) o[1];
                        ratedBuy = ratedBuy.add(d[0]);
                        ratedSell = ratedSell.add(d[1]);
                    }
                    resets += (boolean) o[2] ? 1 : 0;
                    last = o;
                }
                rows.add(String.join(
                        "|",
                        e.getKey(),
                        Long.toString(m.getKey()),
                        last[4].toString(),
                        s(buy),
                        s(sell),
                        s(buy.subtract(sell)),
                        valuesKnown ? s(bv) : "null",
                        valuesKnown ? s(sv) : "null",
                        valuesKnown ? s(bv.subtract(sv)) : "null",
                        s((BigDecimal) last[5]),
                        s((BigDecimal) last[6]),
                        s((BigDecimal) last[7]),
                        s((BigDecimal) last[8]),
                        rate(ratedBuy, span),
                        rate(ratedSell, span),
                        rate(ratedBuy.subtract(ratedSell), span),
                        Long.toString(span),
                        Integer.toString(m.getValue().size()),
                        Integer.toString(resets),
                        Long.toString((long) last[3])));
            }
        }
        return rows;
    }

    private static String rate(BigDecimal qty, long spanMillis) {
        return spanMillis == 0
                ? "null"
                : qty.multiply(BigDecimal.valueOf(60_000))
                        .divide(BigDecimal.valueOf(spanMillis), 6, RoundingMode.HALF_EVEN)
                        .toPlainString();
    }

    private static LocalDate day(long micros) {
        return Instant.ofEpochMilli(Math.floorDiv(micros, 1000L))
                .atZone(FeedTape.ZONE)
                .toLocalDate();
    }

    private static String s(BigDecimal d) {
        return d == null ? "null" : d.toPlainString();
    }

    /** The table's rows in the oracle's format: NUMERIC text as stored, times in epoch microseconds. */
    public static List<String> read(String url, String table) throws Exception {
        String sql = "basis_1m".equals(table)
                ? "SELECT contract, micros(bucket), underlying, basis_open, basis_high, basis_low, basis_close, futures_close,"
                        + " index_close, micros(index_close_at), basis_close_bps, joined_count, unjoined_count,"
                        + " micros(first_trade_at), micros(last_trade_at) FROM basis_1m ORDER BY contract, bucket"
                : "SELECT symbol, micros(bucket), trading_day, buy_qty, sell_qty, net_qty, buy_value, sell_value, net_value,"
                        + " day_buy_qty, day_sell_qty, day_buy_value, day_sell_value, buy_qty_per_min, sell_qty_per_min,"
                        + " net_qty_per_min, rated_span_ms, snapshot_count, reset_count, micros(last_snapshot_at)"
                        + " FROM foreign_flow_1m ORDER BY symbol, bucket";
        sql = sql.replaceAll("micros\\(([a-z_]+)\\)", "(extract(epoch from $1) * 1000000)::bigint");
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    String v = rs.getString(i);
                    cols.add(v == null ? "null" : v);
                }
                rows.add(String.join("|", cols));
            }
        }
        return rows;
    }
}
