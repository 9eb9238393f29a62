package io.marketbars.bench;

import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedPostgres;
import io.marketbars.testing.EmbeddedTimescale;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.util.ParameterTool;

/**
 * Read latency of the query helpers on a year of 1-minute bars: {@code --symbols} symbols, {@code --days} trading
 * days of the Ho Chi Minh City session (09:00-11:30 and 13:00-14:45, 255 minutes), written in time order as the
 * job writes them (so one symbol's rows are spread over the whole table). Times are client-side: execute, fetch
 * and decode every column of every row over JDBC, median and max of {@code --runs} runs after warm-up.
 *
 * <p>{@code --db postgres} (default): real PostgreSQL 17. {@code --db timescale}: the WebAssembly TimescaleDB test
 * fixture, one connection, old chunks compressed by the policy's job: a functional check with WASM speed, not a
 * prediction for a native server.
 */
public final class StorageQueryBenchmark {
    private StorageQueryBenchmark() {}

    /** The minutes below are Vietnamese trading hours: the schema's days start at midnight there. */
    private static final MigrationSettings VIETNAM =
            MigrationSettings.defaults().with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, "Asia/Ho_Chi_Minh");

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        int symbols = p.getInt("symbols", 100);
        int days = p.getInt("days", 250);
        int runs = p.getInt("runs", 30);
        String db = p.get("db", "postgres");
        if ("timescale".equals(db)) {
            try (EmbeddedTimescale ts = EmbeddedTimescale.start()) {
                try (Connection c = DriverManager.getConnection(ts.jdbcUrl())) {
                    c.createStatement().execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
                }
                Migrations.migrate(ts.jdbcUrl(), ts.user(), ts.password(), VIETNAM);
                run(ts.jdbcUrl(), symbols, days, runs, true);
            }
        } else {
            try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
                pg.createDatabase("bars");
                Migrations.migrate(pg.jdbcUrl("bars"), pg.user(), "", VIETNAM);
                run(pg.jdbcUrl("bars"), symbols, days, runs, false);
            }
        }
    }

    private static void run(String url, int symbols, int days, int runs, boolean timescale) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            long t0 = System.nanoTime();
            s.execute(
                    "CREATE TEMP TABLE minutes AS"
                            + " SELECT (d + t) AT TIME ZONE 'Asia/Ho_Chi_Minh' AS m"
                            + " FROM (SELECT d FROM generate_series(timestamp '2025-01-01', timestamp '2025-12-31', interval '1 day') d"
                            + "       WHERE extract(isodow FROM d) < 6 ORDER BY d LIMIT " + days + ") days,"
                            + " (SELECT time '09:00' + i * interval '1 minute' AS t FROM generate_series(0, 149) i"
                            + "  UNION ALL SELECT time '13:00' + i * interval '1 minute' FROM generate_series(0, 104) i) times");
            s.execute("INSERT INTO ohlcv_1m SELECT 'S' || lpad(n::text, 4, '0'), m, p, p + 0.05, p - 0.05, p + 0.01,"
                    + " 1000 + n, (p + 0.02) * (1000 + n), round(p + 0.02, 10), 10 + n % 7, 400, 500, m + interval '1.25 s',"
                    + " m + interval '58.5 s'"
                    + " FROM (SELECT m, n, round((20 + n % 50 + sin(extract(epoch FROM m) / 3600))::numeric, 2) AS p"
                    + "       FROM minutes, generate_series(1, " + symbols + ") n ORDER BY m, n) g");
            long rows = count(s, "SELECT count(*) FROM ohlcv_1m");
            System.out.printf(
                    "Loaded %,d one-minute bars (%d symbols x %d days x 255 min) in %.1f s%n",
                    rows, symbols, days, (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            if (timescale) {
                // What the compression policy does to chunks older than compressAfter (all of 2025 by now).
                s.execute("CALL run_job((SELECT job_id FROM timescaledb_information.jobs"
                        + " WHERE proc_name = 'policy_compression' AND hypertable_name = 'ohlcv_1m'))");
                System.out.println(
                        "Compressed chunks: "
                                + count(
                                        s,
                                        "SELECT count(*) FROM timescaledb_information.chunks"
                                                + " WHERE hypertable_name = 'ohlcv_1m' AND is_compressed")
                                + " of "
                                + count(
                                        s,
                                        "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv_1m'"));
            } else {
                s.execute("VACUUM ANALYZE ohlcv_1m");
            }
            s.execute("CALL refresh_ohlcv_rollups(NULL, NULL)");
            if (!timescale) {
                s.execute("VACUUM ANALYZE ohlcv_1d_materialized");
            }
            System.out.printf(
                    "Maintenance (compress or vacuum, refresh rollups) in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        String sym = String.format("S%04d", Math.max(1, symbols / 2));
        try (Connection c = DriverManager.getConnection(url)) {
            measure(
                    c,
                    runs,
                    "year of 1m bars, ohlcv_bars",
                    "SELECT * FROM ohlcv_bars(?, '1m', '2025-01-01', '2026-01-01')",
                    sym);
            measure(
                    c,
                    runs,
                    "year of 1m bars, plain SELECT",
                    "SELECT * FROM ohlcv_1m WHERE symbol = ?"
                            + " AND bucket >= '2025-01-01' AND bucket < '2026-01-01' ORDER BY bucket",
                    sym);
            measure(c, runs, "year of 1d bars, ohlcv_daily", "SELECT * FROM ohlcv_daily(?, 2025)", sym);
            measure(
                    c,
                    runs,
                    "month of 1h bars, ohlcv_bars",
                    "SELECT * FROM ohlcv_bars(?, '1h', '2025-06-01', '2025-07-01')",
                    sym);
            measure(
                    c,
                    runs,
                    "week of 5m bars, ohlcv_bars",
                    "SELECT * FROM ohlcv_bars(?, '5m', '2025-06-02', '2025-06-09')",
                    sym);
            measure(c, runs, "latest 100 15m bars, ohlcv_latest", "SELECT * FROM ohlcv_latest(?, '15m', 100)", sym);
            measure(c, runs, "latest 390 1m bars, ohlcv_latest", "SELECT * FROM ohlcv_latest(?, '1m', 390)", sym);
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM ohlcv_1m"
                    + " WHERE symbol = ? AND bucket >= '2025-01-01' AND bucket < '2026-01-01' ORDER BY bucket")) {
                ps.setString(1, sym);
                try (ResultSet rs = ps.executeQuery()) {
                    System.out.println("Plan of the year of 1m bars:");
                    while (rs.next()) {
                        System.out.println("  " + rs.getString(1));
                    }
                }
            }
        }
    }

    private static void measure(Connection c, int runs, String what, String sql, String symbol) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(0);
            int rows = 0;
            for (int i = 0; i < 5; i++) {
                rows = fetch(ps, symbol); // warm-up: caches, and pgjdbc's server-side prepare after 5 uses
            }
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                fetch(ps, symbol);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(
                    "%-36s %7d rows  median %8.2f ms  max %8.2f ms%n", what, rows, ms[runs / 2], ms[runs - 1]);
        }
    }

    private static int fetch(PreparedStatement ps, String symbol) throws Exception {
        ps.setString(1, symbol);
        int rows = 0;
        List<Object> sink = new ArrayList<>(1);
        try (ResultSet rs = ps.executeQuery()) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    sink.add(rs.getObject(i)); // decode every value, as a client would
                    sink.clear();
                }
                rows++;
            }
        }
        return rows;
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
