package io.marketbars.testing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code ohlcv_1m} as comparable strings: prices exactly as stored, sums compared by value. */
public final class BarRows {
    private BarRows() {}

    public static List<String> read(String jdbcUrl) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT symbol, bucket, open, high, low, close, volume, turnover, vwap,"
                                + " trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at FROM ohlcv_1m ORDER BY symbol, bucket")) {
            while (rs.next()) {
                rows.add(render(
                        rs.getString(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant().toEpochMilli(),
                        rs.getBigDecimal(3).toPlainString(),
                        rs.getBigDecimal(4).toPlainString(),
                        rs.getBigDecimal(5).toPlainString(),
                        rs.getBigDecimal(6).toPlainString(),
                        rs.getBigDecimal(7),
                        rs.getBigDecimal(8),
                        rs.getBigDecimal(9),
                        rs.getLong(10),
                        rs.getBigDecimal(11),
                        rs.getBigDecimal(12),
                        micros(rs.getObject(13, OffsetDateTime.class)),
                        micros(rs.getObject(14, OffsetDateTime.class))));
            }
        }
        return rows;
    }

    private static long micros(OffsetDateTime t) {
        Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** Open/high/low/close verbatim (the stored text must equal the input's); sums normalised by value. */
    static String render(
            String symbol,
            long bucketMillis,
            String open,
            String high,
            String low,
            String close,
            BigDecimal volume,
            BigDecimal turnover,
            BigDecimal vwap,
            long count,
            BigDecimal buy,
            BigDecimal sell,
            long firstMicros,
            long lastMicros) {
        return symbol + " " + Instant.ofEpochMilli(bucketMillis) + " o=" + open + " h=" + high + " l=" + low + " c="
                + close
                + " v=" + norm(volume) + " t=" + norm(turnover) + " vwap="
                + (vwap == null ? "null" : vwap.toPlainString())
                + " n=" + count + " buy=" + norm(buy) + " sell=" + norm(sell) + " first=" + firstMicros + " last="
                + lastMicros;
    }

    private static String norm(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
}
