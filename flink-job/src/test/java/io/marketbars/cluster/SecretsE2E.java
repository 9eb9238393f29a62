package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.EmbeddedPostgres;
import io.marketbars.testing.EmbeddedZooKeeper;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.FlinkStandaloneCluster;
import io.marketbars.testing.FlinkStandaloneCluster.HighAvailability;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.SaslSslKafka;
import io.marketbars.testing.SecretScan;
import io.marketbars.testing.SharedCluster;
import io.marketbars.testing.TapeFeed;
import io.marketbars.testing.TestCertificates;
import io.marketbars.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No secret on disk after a whole run: the shaded JAR on a standalone cluster with ZooKeeper high
 * availability, its credentials given the production way, reads ticks from a SASL_SSL broker
 * (SCRAM-SHA-512, a CA made at test time), writes bars as a database login whose password
 * PostgreSQL checks, completes checkpoints and stops with a savepoint. Then every file of the run
 * (JobManager and TaskManager logs and {@code .out} files, configuration, checkpoints, the
 * savepoint, the HA storage with the job graph and blobs, the blob stores, the upload directory,
 * ZooKeeper's data) is searched for the secrets' bytes and their Base64. The secrets live outside
 * that tree: in the processes' environment and in a password file next to the trust store.
 */
class SecretsE2E {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsE2E.class);
    private static final String CLUSTER_ID = "/secrets";

    @TempDir
    Path secretsDir;

    @Test
    void noLogCheckpointSavepointJobGraphOrBlobHoldsASecret() throws Exception {
        Path root = SharedCluster.workDir()
                .resolve("secrets-" + ProcessHandle.current().pid());
        Path home = root.resolve("cluster");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String dbPassword = "db-e2e-" + HexFormat.of().formatHex(random);
        String login = TestServices.unique("bars_e2e_login");
        SecretScan scan = new SecretScan(Map.of(
                "database password", dbPassword,
                "SCRAM password", SaslSslKafka.PASSWORD,
                "trust store password", TestCertificates.STORE_PASSWORD));

        MarketTape tape = ClusterE2E.tape(20251206L);
        // The database is migrated, and ZooKeeper and the cluster start, while the broker starts.
        CompletableFuture<String> migrated =
                CompletableFuture.supplyAsync(() -> TestServices.migratedDatabase("e2e_secrets", ClusterE2E.EXCHANGE));
        Path passwordFile = Files.writeString(secretsDir.resolve("db-password"), dbPassword + "\n");
        // Copied here once the broker's CA exists; the cluster reads it only when the job starts.
        Path trustStore = secretsDir.resolve("kafka-truststore.p12");
        Map<String, String> kafkaEnv = Map.of(
                "KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL",
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                SaslSslKafka.jaas(SaslSslKafka.PASSWORD),
                "KAFKA_SSL_TRUSTSTORE_TYPE",
                "PKCS12",
                "KAFKA_SSL_TRUSTSTORE_LOCATION",
                trustStore.toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                TestCertificates.STORE_PASSWORD);
        // main() runs on the JobManager (start-up checks, the sources' enumerators): the password
        // itself there; the TaskManager's sinks read it from the mounted file.
        Map<String, String> jobManagerEnv = new HashMap<>(kafkaEnv);
        jobManagerEnv.put(JobOptions.DB_PASSWORD_ENV, dbPassword);
        Map<String, String> taskManagerEnv = new HashMap<>(kafkaEnv);
        taskManagerEnv.put(JobOptions.DB_PASSWORD_FILE_ENV, passwordFile.toString());
        int runningFiles;

        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(root.resolve("zookeeper"))) {
            CompletableFuture<FlinkStandaloneCluster> starting =
                    CompletableFuture.supplyAsync(() -> FlinkStandaloneCluster.startHighlyAvailableWithKafkaLogs(
                            home,
                            1,
                            jobManagerEnv,
                            taskManagerEnv,
                            new HighAvailability(zk.connectString(), CLUSTER_ID),
                            1));
            try (SaslSslKafka broker = SaslSslKafka.start(Files.createDirectories(secretsDir.resolve("kafka")))) {
                Files.copy(broker.ca().trustStore(), trustStore);
                String superuserDb = migrated.get(120, TimeUnit.SECONDS);
                String loginDb = passwordLogin(superuserDb, login, dbPassword);
                String topic = TestServices.unique("e2e_secrets");
                broker.kafka().createTopic(topic, tape.partitions);
                ClusterE2E.Setup setup = ClusterE2E.Setup.forTopic(
                        "e2e_secrets",
                        topic,
                        broker.kafka(),
                        broker.bootstrapServers(),
                        loginDb,
                        login,
                        home.resolve("checkpoints"));
                try (TapeFeed feed = new TapeFeed(topic, broker.kafka().producerProps())) {
                    feed.sendAll(tape.records);
                    feed.sendClosingTicks(tape, ClusterE2E.MINUTES, ClusterE2E.CLOSE_AFTER_MILLIS);
                }

                try (FlinkStandaloneCluster cluster = starting.get(120, TimeUnit.SECONDS)) {
                    FlinkRest rest = cluster.rest();
                    String jobId = rest.runJar(rest.uploadJar(SharedCluster.jobJar()), setup.args(), 1, null, false);
                    JobManagerFailoverE2E.awaitAllTasksRunning(rest, jobId, Duration.ofSeconds(90));
                    ClusterE2E.awaitRows(superuserDb, BarOracle.expectedRows(tape), Duration.ofSeconds(90));
                    FlinkRest.await(
                            () -> rest.checkpoints(jobId),
                            c -> c.path("counts").path("completed").asInt() >= 2,
                            Duration.ofSeconds(30),
                            "two completed checkpoints");

                    // While the job runs: the HA storage holds its job graph, blobs and checkpoint pointers.
                    List<Path> running = SecretScan.files(root);
                    runningFiles = running.size();
                    assertThat(running)
                            .as(
                                    "the job graph, a checkpoint pointer, a checkpoint and the blobs are among the scanned files")
                            // Flink 2 stores the submitted job graph as an "execution plan".
                            .anyMatch(f -> f.getFileName().toString().startsWith("submittedExecutionPlan"))
                            .anyMatch(f -> f.getFileName().toString().startsWith("completedCheckpoint"))
                            .anyMatch(f -> f.toString().contains("/chk-")
                                    && f.getFileName().toString().equals("_metadata"))
                            .anyMatch(f -> f.startsWith(home.resolve("ha"))
                                    && f.toString().contains("/blob/job_"))
                            .anyMatch(f -> f.toString().contains("/blobStorage/job_"));
                    assertThat(scan.findIn(root))
                            .as("secrets while the job runs")
                            .isEmpty();
                    plantedSecretsAreFound(scan, home.resolve("ha"), dbPassword);

                    String savepoint = rest.stopWithSavepoint(
                            jobId, home.resolve("savepoints").toUri().toString(), Duration.ofSeconds(60));
                    assertThat(Path.of(java.net.URI.create(savepoint)).resolve("_metadata"))
                            .isRegularFile();
                }
            } finally {
                // Whatever happened above, no cluster process outlives the test.
                starting.thenAccept(FlinkStandaloneCluster::close);
            }
        }

        // Every process is gone and has flushed its logs: the whole run.
        List<Path> files = SecretScan.files(root);
        List<Path> logs = files.stream()
                .filter(f -> f.getParent().equals(home.resolve("log")))
                .toList();
        assertThat(logs)
                .extracting(f -> f.getFileName().toString())
                .contains("jobmanager.log", "jobmanager.out", "taskmanager-0.log", "taskmanager-0.out");
        assertThat(logs)
                .as("the logs name the (non-secret) database user, so they are the run's logs")
                .anyMatch(f -> SecretScan.contains(f, login));
        assertThat(files)
                .as("the savepoint")
                .anyMatch(f -> f.startsWith(home.resolve("savepoints"))
                        && f.getFileName().toString().equals("_metadata"));
        Map<Path, List<String>> found = scan.findIn(root);
        LOG.info("Searched {} files ({} bytes) of the run for the secrets: {}", files.size(), size(files), found);
        System.out.printf(
                "SecretsE2E: %d files searched while the job ran, %d files (%d MB) after the run, %d of them"
                        + " logs; secrets found: %s%n",
                runningFiles, files.size(), size(files) >> 20, logs.size(), found);
        assertThat(found).as("files holding a secret").isEmpty();
    }

    /** The scan is not blind: a secret planted raw, and Base64-encoded at an odd offset, is found. */
    private static void plantedSecretsAreFound(SecretScan scan, Path dir, String secret) throws Exception {
        Path raw = dir.resolve("planted-raw");
        Path encoded = dir.resolve("planted-base64");
        Files.writeString(raw, "password=" + secret);
        Files.writeString(
                encoded, Base64.getEncoder().encodeToString(("x" + secret + "tail").getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(scan.findIn(dir)).containsOnlyKeys(raw, encoded);
        } finally {
            Files.delete(raw);
            Files.delete(encoded);
        }
    }

    /**
     * A login role for the job, with {@code password} checked by PostgreSQL (scram-sha-256 for it
     * in pg_hba.conf; the embedded server trusts the test's superuser); the URL it uses, no user.
     */
    private static String passwordLogin(String superuserDb, String login, String password) throws Exception {
        EmbeddedPostgres pg = TestServices.postgres();
        try (Connection c = DriverManager.getConnection(superuserDb);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + login + " LOGIN PASSWORD '" + password + "'");
            s.execute("GRANT bars_writer TO " + login);
        }
        Path hba = pg.dataDir().resolve("pg_hba.conf");
        Files.writeString(hba, "host all " + login + " 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
        try (Connection c = DriverManager.getConnection(superuserDb);
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        }
        String url = superuserDb.substring(0, superuserDb.indexOf('?'));
        assertThatThrownBy(() -> DriverManager.getConnection(url, login, "not-the-password")
                        .close())
                .as("PostgreSQL checks %s's password", login)
                .hasMessageContaining("password authentication failed");
        return url;
    }

    private static long size(List<Path> files) {
        return files.stream()
                .mapToLong(f -> {
                    try {
                        return Files.size(f);
                    } catch (java.io.IOException e) {
                        return 0;
                    }
                })
                .sum();
    }
}
