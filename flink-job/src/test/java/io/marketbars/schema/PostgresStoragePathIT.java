package io.marketbars.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.Bar;
import io.marketbars.sinks.JobUpserts;
import io.marketbars.testing.TestServices;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The plain PostgreSQL path (real PostgreSQL 17, no TimescaleDB): views, a refreshed daily table, the same helpers. */
class PostgresStoragePathIT extends StoragePathContract {
    private String database;
    private String jobLogin;

    @Override
    void startDatabase() throws Exception {
        database = TestServices.unique("storage");
        TestServices.postgres().createDatabase(database);
        // The login user the job runs as, created out of band as documented, a member of the job role.
        jobLogin = TestServices.unique("bars_login");
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + jobLogin + " LOGIN");
        }
    }

    @Override
    void stopDatabase() {}

    @Override
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + TestServices.postgres().port() + "/" + database;
    }

    @Override
    String user() {
        return TestServices.postgres().user();
    }

    @Override
    String password() {
        return "";
    }

    @Override
    Connection connectAsJobRole() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("GRANT bars_writer TO " + jobLogin);
        }
        return DriverManager.getConnection(url(), jobLogin, "");
    }

    @Override
    List<String> expectedMigrationNotices() {
        return List.of(
                "TimescaleDB not installed: no chunks, compression or retention",
                "TimescaleDB not installed: ohlcv_5m, ohlcv_15m, ohlcv_1h are views");
    }

    @Test
    @Order(10)
    void theRealSinkRunsAsTheJobsLoginUser() throws Exception {
        connectAsJobRole().close();
        Bar bar = MinuteBars.bar(new Random(11), "LOGIN", Instant.parse("2024-12-06T02:00:00Z"), new BigDecimal("3.5"));
        JobUpserts.throughFlinkSink(url(), jobLogin, "", List.of(bar));
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT open FROM ohlcv_1m WHERE symbol = 'LOGIN'"))
                    .containsExactly("3.5");
            assertThat(rows(
                            s,
                            "SELECT has_table_privilege('" + jobLogin + "', 'ohlcv_1m', 'DELETE'),"
                                    + " has_table_privilege('" + jobLogin + "', 'ohlcv_1m', 'TRUNCATE'),"
                                    + " has_table_privilege('" + jobLogin + "', 'ohlcv_1m', 'UPDATE')"))
                    .containsExactly("f f t");
        }
    }
}
