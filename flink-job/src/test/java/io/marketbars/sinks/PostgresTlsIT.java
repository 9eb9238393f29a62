package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedPostgres;
import io.marketbars.testing.TestCertificates;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * PostgreSQL over TLS with certificate verification, as docs/operations.md describes it: the server
 * has {@code ssl=on} with a certificate for {@code 127.0.0.1} from a CA made at test time, and
 * pg_hba.conf accepts only {@code hostssl}. The job's {@code --db-url} with
 * {@code sslmode=verify-full&sslrootcert=<CA file>} migrates and writes through the production sink
 * on a local Flink; a plain connection, a certificate from another CA and a host name the
 * certificate does not name are all refused.
 */
class PostgresTlsIT {
    @TempDir
    static Path certs;

    private static EmbeddedPostgres pg;
    private static TestCertificates ca;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.authority(certs, "bars-test-ca");
        // Only the IP: "localhost" (which resolves to the same address) must then fail verify-full.
        TestCertificates.Server server = ca.server("bars-db", "ip:127.0.0.1");
        pg = EmbeddedPostgres.start();

        // ssl_cert_file and ssl_key_file default to server.crt and server.key in the data dir. The key must
        // be owned by the server's user (nobody when the build runs as root) and readable by it alone.
        Path data = pg.dataDir();
        Object serverUid = Files.getAttribute(data, "unix:uid");
        Path crt = Files.writeString(data.resolve("server.crt"), server.certificatePem());
        Path key = Files.writeString(data.resolve("server.key"), server.privateKeyPem());
        for (Path f : List.of(crt, key)) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(f, "unix:uid", serverUid);
        }
        // TLS or nothing: no plain "host" line is left.
        Files.writeString(data.resolve("pg_hba.conf"), "hostssl all all 127.0.0.1/32 trust\n");
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl = on");
            s.execute("SELECT pg_reload_conf()");
        }
        awaitTls();
    }

    /** The reload is a signal to the postmaster: wait until a verified TLS session is possible. */
    private static void awaitTls() throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (Connection c = DriverManager.getConnection(url("127.0.0.1", ca.caPem()), pg.user(), "")) {
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "PostgreSQL did not turn TLS on; see its log in "
                                    + pg.dataDir().getParent(),
                            notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static String url(String host, Path rootCert) {
        return "jdbc:postgresql://" + host + ":" + pg.port() + "/postgres?sslmode=verify-full&sslrootcert=" + rootCert;
    }

    @Test
    void theJobMigratesAndItsSinkWritesOverVerifiedTls() throws Exception {
        String url = url("127.0.0.1", ca.caPem());
        Migrations.migrate(
                url,
                pg.user(),
                "",
                MigrationSettings.defaults().with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, "UTC"));

        JobOptions options = JobOptions.fromArgs(new String[] {"--db-url", url, "--db-user", pg.user()}, Map.of());
        JobUpserts.write(options, List.of(bar("TLS", "2024-12-06T02:00:00Z")));

        // The sink's connection provider as a TaskManager gets it (serialized, restored) is encrypted.
        ResolvingPasswordProvider provider = InstantiationUtil.clone(new ResolvingPasswordProvider(
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(options.dbUrl)
                        .withDriverName("org.postgresql.Driver")
                        .withUsername(pg.user())
                        .build(),
                options.dbPasswordLocation()));
        try (Statement s = provider.getOrEstablishConnection().createStatement();
                ResultSet rs = s.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).as("the sink's session is TLS").isTrue();
            assertThat(rs.getString(2)).startsWith("TLSv1.");
        } finally {
            provider.closeConnection();
        }

        List<String> symbols = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, pg.user(), "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT symbol FROM ohlcv_1m ORDER BY bucket")) {
            while (rs.next()) {
                symbols.add(rs.getString(1));
            }
        }
        assertThat(symbols).containsExactly("TLS");
    }

    @Test
    void aPlainConnectionIsRefused() {
        String plain = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres?sslmode=disable";
        assertThatThrownBy(
                        () -> DriverManager.getConnection(plain, pg.user(), "").close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no pg_hba.conf entry")
                .hasMessageContaining("no encryption");
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        Path otherDir = Files.createDirectories(certs.resolve("other"));
        TestCertificates other = TestCertificates.authority(otherDir, "other-ca");
        assertThatThrownBy(() -> DriverManager.getConnection(url("127.0.0.1", other.caPem()), pg.user(), "")
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("SSL error")
                .hasStackTraceContaining("PKIX path");
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefused() {
        // localhost reaches the same server, but the certificate names only 127.0.0.1.
        assertThatThrownBy(() -> DriverManager.getConnection(url("localhost", ca.caPem()), pg.user(), "")
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("could not be verified");
        // sslmode=verify-ca checks only the chain: the same connection is accepted, which is why the docs ask
        // for verify-full.
        String verifyCa = url("localhost", ca.caPem()).replace("verify-full", "verify-ca");
        assertThat((Object) catchConnect(verifyCa)).isNull();
    }

    private static SQLException catchConnect(String url) {
        try (Connection c = DriverManager.getConnection(url, pg.user(), "")) {
            return null;
        } catch (SQLException e) {
            return e;
        }
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
