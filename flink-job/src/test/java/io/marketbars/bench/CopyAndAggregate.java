package io.marketbars.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * COPY of the raw ticks plus SQL aggregation: one KafkaConsumer reads the topic, Jackson parses each
 * tick, COPY streams them as CSV into an unlogged staging table, and one {@code INSERT .. SELECT ..
 * GROUP BY symbol, minute} computes the bars, open and close by (time, seq). What someone who
 * trusts the database would write; like the single-thread baseline it has no exactly-once, no
 * checkpoints and no late data, and it keeps every tick.
 */
final class CopyAndAggregate {
    /**
     * vwap rounds half-even to 10 places as the job does: PostgreSQL's round() goes half away from
     * zero, which differs on exact ties (a volume of 51,200 makes some), so the rounding is spelled
     * out with div and mod.
     */
    static final String AGGREGATE = "INSERT INTO ohlcv_1m (symbol, bucket, open, high, low, close, volume, turnover,"
            + " vwap, trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at)"
            + " SELECT symbol, bucket, open, high, low, close, volume, turnover,"
            + " (div(turnover * 1e10, volume) + CASE WHEN 2 * mod(turnover * 1e10, volume) > volume"
            + "   OR (2 * mod(turnover * 1e10, volume) = volume AND mod(div(turnover * 1e10, volume), 2) = 1)"
            + "   THEN 1 ELSE 0 END) / 1e10,"
            + " trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at FROM ("
            + " SELECT symbol, timestamptz 'epoch' + (ts / 60000) * interval '1 minute' AS bucket,"
            + " (array_agg(price ORDER BY ts, seq))[1] AS open, max(price) AS high, min(price) AS low,"
            + " (array_agg(price ORDER BY ts DESC, seq DESC))[1] AS close,"
            + " sum(qty) AS volume, sum(price * qty) AS turnover, count(*) AS trade_count,"
            + " coalesce(sum(qty) FILTER (WHERE buy), 0) AS buy_volume,"
            + " coalesce(sum(qty) FILTER (WHERE NOT buy), 0) AS sell_volume,"
            + " timestamptz 'epoch' + min(ts) * interval '1 millisecond' AS first_trade_at,"
            + " timestamptz 'epoch' + max(ts) * interval '1 millisecond' AS last_trade_at"
            + " FROM ticks_staging GROUP BY symbol, ts / 60000) b";

    private CopyAndAggregate() {}

    /** The staging table, created before the clock starts. */
    static void prepare(String dbUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl);
                Statement s = c.createStatement()) {
            s.execute("CREATE UNLOGGED TABLE IF NOT EXISTS ticks_staging"
                    + " (symbol text, ts bigint, price numeric, qty numeric, seq bigint, buy boolean)");
            s.execute("TRUNCATE ticks_staging");
        }
    }

    /** Reads, copies and aggregates; returns the number of bars inserted. */
    static long run(String bootstrapServers, String topic, String dbUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl)) {
            CopyIn copy = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY ticks_staging (symbol, ts, price, qty, seq, buy) FROM STDIN (FORMAT csv)");
            PlainTicks.Fields f = new PlainTicks.Fields();
            StringBuilder csv = new StringBuilder(1 << 20);
            try {
                PlainTicks.scan(bootstrapServers, topic, value -> {
                    PlainTicks.parse(value, f, false);
                    csv.append(f.symbol)
                            .append(',')
                            .append(f.ts)
                            .append(',')
                            .append(f.priceText)
                            .append(',')
                            .append(f.qty)
                            .append(',')
                            .append(f.seq)
                            .append(',')
                            .append(f.buy ? 't' : 'f')
                            .append('\n');
                    if (csv.length() > (1 << 20) - 256) {
                        write(copy, csv);
                    }
                });
                write(copy, csv);
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
            try (Statement s = c.createStatement()) {
                return s.executeUpdate(AGGREGATE);
            }
        }
    }

    private static void write(CopyIn copy, StringBuilder csv) {
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        try {
            copy.writeToCopy(bytes, 0, bytes.length);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("COPY failed", e);
        }
        csv.setLength(0);
    }
}
