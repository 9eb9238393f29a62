package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedPostgres;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's database login with a real password, checked by PostgreSQL (scram-sha-256 for this
 * role in pg_hba.conf; the embedded server trusts everyone else), read from a file named by
 * {@value JobOptions#DB_PASSWORD_FILE_ENV}: the production sink on a local Flink writes with it,
 * and after the password is changed and the file rewritten, a reconnect of the same (serialized
 * and restored) connection provider logs in with the new one.
 */
class DbPasswordFileIT {
    private static final String LOGIN = "bars_pw_login";
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.start();
        Migrations.migrate(
                url(),
                pg.user(),
                "",
                MigrationSettings.defaults().with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, "UTC"));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + LOGIN + " LOGIN PASSWORD 'first-pw-6a1f'");
            s.execute("GRANT bars_writer TO " + LOGIN);
        }
        // The password is checked for the job's login; the superuser the test uses stays trusted.
        Path hba = pg.dataDir().resolve("pg_hba.conf");
        Files.writeString(hba, "host all " + LOGIN + " 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        }
        assertThatThrownBy(
                        () -> DriverManager.getConnection(url(), LOGIN, "wrong").close())
                .as("the server checks the password")
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> DriverManager.getConnection(url(), LOGIN, null).close())
                .isInstanceOf(SQLException.class);
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static String url() {
        return "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
    }

    private static JobOptions options(Path passwordFile) {
        return JobOptions.fromArgs(
                new String[] {"--db-url", url(), "--db-user", LOGIN},
                Map.of(JobOptions.DB_PASSWORD_FILE_ENV, passwordFile.toString()));
    }

    @Test
    void theSinkLogsInWithThePasswordFromTheFileAndARotatedFileAtTheNextReconnect(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("db-password");
        Files.writeString(file, "first-pw-6a1f\n");
        JobUpserts.write(options(file), List.of(bar("PWFILE", "2024-12-06T02:00:00Z")));
        assertThat(symbols()).containsExactly("PWFILE");

        // The sink's provider as a TaskManager gets it: built by the job, serialized, restored.
        ResolvingPasswordProvider provider = InstantiationUtil.clone(new ResolvingPasswordProvider(
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(options(file).dbUrl)
                        .withDriverName("org.postgresql.Driver")
                        .withUsername(LOGIN)
                        .build(),
                options(file).dbPasswordLocation()));
        int firstPid = backendPid(provider.getOrEstablishConnection());

        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + LOGIN + " PASSWORD 'second-pw-93cd'");
        }
        Files.writeString(file, "second-pw-93cd\n");
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + firstPid + ")");
        }
        assertThat(provider.isConnectionValid()).as("the old session was ended").isFalse();
        int secondPid = backendPid(provider.reestablishConnection());
        assertThat(secondPid).isNotEqualTo(firstPid);
        provider.closeConnection();
        assertThatThrownBy(() -> DriverManager.getConnection(url(), LOGIN, "first-pw-6a1f")
                        .close())
                .as("the old password no longer works")
                .hasMessageContaining("password authentication failed");

        // And a job started after the rotation writes with the new password.
        JobUpserts.write(options(file), List.of(bar("ROTATED", "2024-12-06T02:01:00Z")));
        assertThat(symbols()).containsExactly("PWFILE", "ROTATED");
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_backend_pid(), current_user")) {
            rs.next();
            assertThat(rs.getString(2)).isEqualTo(LOGIN);
            return rs.getInt(1);
        }
    }

    private static List<String> symbols() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT symbol FROM ohlcv_1m ORDER BY bucket")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static Bar bar(String symbol, String minute) {
        Bar b = new Bar();
        b.symbol = symbol;
        b.bucketStartMillis = Instant.parse(minute).toEpochMilli();
        b.open = new BigDecimal("10.00");
        b.high = new BigDecimal("10.50");
        b.low = new BigDecimal("9.75");
        b.close = new BigDecimal("10.25");
        b.volume = new BigDecimal("4");
        b.turnover = new BigDecimal("41.00");
        b.vwap = b.turnover.divide(b.volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
        b.tradeCount = 2;
        b.buyVolume = new BigDecimal("1");
        b.sellVolume = new BigDecimal("3");
        b.firstTradeMicros = b.bucketStartMillis * 1000 + 1_000_000;
        b.lastTradeMicros = b.bucketStartMillis * 1000 + 2_000_000;
        return b;
    }
}
