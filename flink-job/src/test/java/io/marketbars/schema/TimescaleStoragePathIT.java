package io.marketbars.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.Bar;
import io.marketbars.sinks.JobUpserts;
import io.marketbars.testing.EmbeddedTimescale;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The TimescaleDB path, on the WebAssembly TimescaleDB 2.23 (one connection at a time, no background workers:
 * policies run here only through {@code CALL run_job}).
 */
class TimescaleStoragePathIT extends StoragePathContract {
    private EmbeddedTimescale db;

    @Override
    void startDatabase() throws Exception {
        db = EmbeddedTimescale.start();
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
        }
    }

    @Override
    void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Override
    String url() {
        return db.jdbcUrl();
    }

    @Override
    String user() {
        return db.user();
    }

    @Override
    String password() {
        return db.password();
    }

    /** The server has one user; a superuser session that SETs ROLE keeps only the role's privileges. */
    @Override
    Connection connectAsJobRole() throws Exception {
        Connection c = connect();
        execute(c, "SET ROLE bars_writer");
        return c;
    }

    @Override
    List<String> expectedMigrationNotices() {
        return List.of(
                "TimescaleDB: ohlcv_1m, basis_1m, foreign_flow_1m in 7 days chunks, compressed after 7 days,"
                        + " retention 5 years",
                "ohlcv_5m, ohlcv_15m, ohlcv_1h, ohlcv_1d are real-time continuous aggregates");
    }

    @Test
    @Order(10)
    void everyBarTableIsAHypertableAndRollupsAreRealTimeWithRefreshWindowsCoveringTheLateness() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(rows(
                            s,
                            "SELECT hypertable_name || ' ' || compression_enabled FROM timescaledb_information.hypertables"
                                    + " WHERE hypertable_schema = 'public' ORDER BY 1"))
                    .containsExactly("basis_1m true", "foreign_flow_1m true", "ohlcv_1m true");
            assertThat(rows(
                            s,
                            "SELECT hypertable_name || ' ' || attname FROM timescaledb_information.compression_settings"
                                    + " WHERE segmentby_column_index = 1 ORDER BY 1"))
                    .containsExactly("basis_1m contract", "foreign_flow_1m symbol", "ohlcv_1m symbol");
            assertThat(rows(
                            s,
                            "SELECT DISTINCT time_interval FROM timescaledb_information.dimensions"
                                    + " WHERE hypertable_name IN ('ohlcv_1m', 'basis_1m', 'foreign_flow_1m')"))
                    .containsExactly("7 days");
            assertThat(rows(
                            s,
                            "SELECT view_name || ' ' || materialized_only FROM timescaledb_information.continuous_aggregates"
                                    + " ORDER BY 1"))
                    .containsExactly("ohlcv_15m false", "ohlcv_1d false", "ohlcv_1h false", "ohlcv_5m false");
            // Hierarchical: 15m reads 5m, 1h and 1d read 15m.
            assertThat(rows(
                            s,
                            "SELECT v.view_name || ' <- ' || p.view_name FROM timescaledb_information.continuous_aggregates v"
                                    + " JOIN timescaledb_information.continuous_aggregates p ON p.materialization_hypertable_name = v.hypertable_name"
                                    + " ORDER BY 1"))
                    .containsExactly("ohlcv_15m <- ohlcv_5m", "ohlcv_1d <- ohlcv_15m", "ohlcv_1h <- ohlcv_15m");
            // Each refresh window reaches back past the lateness horizon (3 days) by at least one bucket.
            assertThat(rows(
                            s,
                            "SELECT hypertable_name || ' ' || ((config->>'start_offset')::interval"
                                    + " >= INTERVAL '3 days' + (config->>'end_offset')::interval) FROM timescaledb_information.jobs"
                                    + " WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY 1"))
                    .containsExactly("ohlcv_15m true", "ohlcv_1d true", "ohlcv_1h true", "ohlcv_5m true");
            assertThat(rows(
                            s,
                            "SELECT hypertable_name || ' ' || (config->>'drop_after') FROM timescaledb_information.jobs"
                                    + " WHERE proc_name = 'policy_retention' ORDER BY 1"))
                    .containsExactly("basis_1m 5 years", "foreign_flow_1m 5 years", "ohlcv_1m 5 years");
        }
    }

    @Test
    @Order(11)
    void compressionNeverTargetsAChunkInsideTheLatenessHorizonAndLateUpsertsThereWork() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Random r = new Random(5);
        Bar old = MinuteBars.bar(r, "CMP", now.minus(Duration.ofDays(40)), new BigDecimal("20"));
        Bar recent = MinuteBars.bar(r, "CMP", now.minus(Duration.ofHours(2)), new BigDecimal("21"));
        JobUpserts.throughFlinkSink(url(), user(), password(), List.of(old, recent));
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            // The job's upserts landed in chunks of the hypertable.
            assertThat(rows(
                            s,
                            "SELECT DISTINCT tableoid::regclass::text LIKE '_timescaledb_internal._hyper_%' FROM ohlcv_1m"
                                    + " WHERE symbol = 'CMP'"))
                    .containsExactly("t");
            assertThat(
                            single(
                                    s,
                                    "SELECT (config->>'compress_after')::interval >= INTERVAL '3 days'"
                                            + " FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'ohlcv_1m'"))
                    .isEqualTo("t");
            String job = single(
                    s,
                    "SELECT job_id FROM timescaledb_information.jobs"
                            + " WHERE proc_name = 'policy_compression' AND hypertable_name = 'ohlcv_1m'");
            s.execute("CALL run_job(" + job + ")");
            assertThat(chunkCompressed(s, old)).isTrue();
            assertThat(chunkCompressed(s, recent)).isFalse();
            // No compressed chunk reaches into the horizon.
            assertThat(single(
                            s,
                            "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv_1m'"
                                    + " AND is_compressed AND range_end > now() - INTERVAL '3 days'"))
                    .isEqualTo("0");
        }
        // A bar 2 days late (inside the horizon) upserts into an uncompressed chunk, both insert and update.
        Bar late = MinuteBars.bar(r, "CMP", now.minus(Duration.ofDays(2)), new BigDecimal("22"));
        JobUpserts.throughFlinkSink(url(), user(), password(), List.of(late));
        late.tradeCount++;
        late.close = late.open;
        JobUpserts.throughFlinkSink(url(), user(), password(), List.of(late));
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(chunkCompressed(s, late)).isFalse();
            assertThat(rows(s, "SELECT trade_count FROM ohlcv_1m WHERE symbol = 'CMP' ORDER BY bucket"))
                    .containsExactly(
                            Long.toString(old.tradeCount),
                            Long.toString(late.tradeCount),
                            Long.toString(recent.tradeCount));
            // Real-time aggregation: the recent bar is in every rollup before any refresh.
            String at = "to_timestamp(" + recent.bucketStartMillis / 1000 + ")";
            for (String interval : List.of("5m", "15m", "1h", "1d")) {
                assertThat(rows(
                                s,
                                "SELECT sum(trade_count) FROM ohlcv_" + interval + " WHERE symbol = 'CMP'"
                                        + " AND bucket <= " + at + " AND bucket > " + at + " - ohlcv_width('" + interval
                                        + "')"))
                        .as(interval)
                        .containsExactly(Long.toString(recent.tradeCount));
            }
        }
    }

    private static boolean chunkCompressed(Statement s, Bar bar) throws Exception {
        return "t"
                .equals(single(
                        s,
                        "SELECT is_compressed FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv_1m'"
                                + " AND range_start <= to_timestamp(" + bar.bucketStartMillis / 1000
                                + ") AND range_end > to_timestamp("
                                + bar.bucketStartMillis / 1000 + ")"));
    }
}
