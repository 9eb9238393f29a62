package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import io.marketbars.testing.FaultTape;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault suite, scenarios 4 and 5: a service the job depends on goes away mid-stream and comes
 * back, while the {@link FaultTape} (trades, index values, foreign-flow snapshots, with its
 * duplicates, late, too-late and malformed records) keeps flowing. The job runs in live mode with
 * every option at its production default except where to read and write; each scenario stops a
 * PostgreSQL or Kafka broker of its own (same port, same data), so no other test sees the outage.
 * Afterwards the three tables must equal the oracles and the dead-letter topic must hold each
 * planted bad record exactly once. Each scenario prints one line of measured figures for the
 * fault-suite table in docs/fault-suite.md.
 */
class ServiceOutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceOutageIT.class);

    /** Flink's own reporter: the job's {@code numRestarts} gauge, also while the job is restarting. */
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Duration DATABASE_OUTAGE = Duration.ofMinutes(2);
    private static final Duration BROKER_OUTAGE = Duration.ofSeconds(15);
    /** Generous for two shared cores: the last restart's backoff (up to a minute), then the backlog. */
    private static final Duration PATIENCE = Duration.ofMinutes(3);

    @Test
    void postgresDownForTwoMinutesInLiveModeLosesAndRepeatsNothing(@InjectClusterClient ClusterClient<?> cluster)
            throws Exception {
        FaultTape tape = FaultTape.generate(20241206L);
        EmbeddedKafka kafka = TestServices.kafka();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            FaultTape.Topics topics = FaultTape.Topics.create(kafka, "pg_outage");
            String dbUrl = TestServices.migratedDatabase(postgres, "pg_outage");
            JobOptions options = liveOptions(kafka, postgres, dbUrl, topics);
            JobClient job = start(options, "pg-outage-" + topics.trades());
            String id = job.getJobID().toHexString();
            FlinkRest rest = new FlinkRest(cluster.getWebInterfaceURL());
            long startedAt = System.nanoTime();
            try (FaultTape.Publisher feed = tape.publish(topics, producerProps(kafka), Duration.ofSeconds(160))) {
                // Mid-stream: the job has written bars and acknowledged them in a checkpoint.
                await(
                        () -> seconds(startedAt) >= 20 && completedCheckpoints(rest, id) >= 1 && rows(dbUrl) > 0,
                        Duration.ofMinutes(2),
                        "20 s, a completed checkpoint and the first rows");
                int sentBefore = feed.sent();
                postgres.stop();
                long downAt = System.nanoTime();
                Thread.sleep(DATABASE_OUTAGE.toMillis());
                int sentDuring = feed.sent() - sentBefore;
                long restartsWhileDown = restarts(job.getJobID());
                postgres.startAgain();
                long backAt = System.nanoTime();
                double down = (backAt - downAt) / 1e9;
                assertThat(sentDuring)
                        .as("the feed kept flowing while the database was down")
                        .isPositive();
                assertThat(restartsWhileDown).as("the job saw the outage").isPositive();
                LOG.info(
                        "PostgreSQL was down {} s; {} records published meanwhile, {} restarts",
                        String.format("%.1f", down),
                        sentDuring,
                        restartsWhileDown);

                long rowsAtBack = rows(dbUrl);
                await(() -> rest.allTasksRunning(id), PATIENCE, "the job running again");
                double running = seconds(backAt);
                await(() -> rows(dbUrl) > rowsAtBack, PATIENCE, "the job writing again");
                double writing = seconds(backAt);
                feed.await(PATIENCE);
                double fedAt = seconds(backAt);
                long afterFeed = tape.awaitOracle(kafka, dbUrl, topics, PATIENCE, () -> jobRunning(job));
                double complete = seconds(backAt);
                report(
                        "4",
                        String.format("PostgreSQL stopped mid-stream (live mode), unreachable %.1f s", down),
                        String.format(
                                "running again %.1f s and writing %.1f s after PostgreSQL was back; tables complete "
                                        + "%.1f s after it was back (the feed was done by %.1f s; +%.1f s from then)",
                                running, writing, complete, fedAt, afterFeed / 1000.0),
                        restarts(job.getJobID()),
                        tape,
                        topics);
            } finally {
                cancel(job);
            }
        }
    }

    @Test
    void kafkaBrokerRestartedMidStreamLosesAndRepeatsNothing(@InjectClusterClient ClusterClient<?> cluster)
            throws Exception {
        FaultTape tape = FaultTape.generate(20241207L);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            FaultTape.Topics topics = FaultTape.Topics.create(kafka, "broker_restart");
            String dbUrl = TestServices.migratedDatabase("broker_restart");
            JobOptions options = liveOptions(kafka, TestServices.postgres(), dbUrl, topics);
            JobClient job = start(options, "broker-restart-" + topics.trades());
            String id = job.getJobID().toHexString();
            FlinkRest rest = new FlinkRest(cluster.getWebInterfaceURL());
            long startedAt = System.nanoTime();
            try (FaultTape.Publisher feed = tape.publish(topics, producerProps(kafka), Duration.ofSeconds(60))) {
                await(
                        () -> seconds(startedAt) >= 20 && completedCheckpoints(rest, id) >= 1 && rows(dbUrl) > 0,
                        Duration.ofMinutes(2),
                        "20 s, a completed checkpoint and the first rows");
                kafka.stop();
                long downAt = System.nanoTime();
                Thread.sleep(BROKER_OUTAGE.toMillis());
                kafka.startAgain();
                long backAt = System.nanoTime();
                double down = (backAt - downAt) / 1e9;
                int sentAtBack = feed.sent();
                long rowsAtBack = rows(dbUrl);
                await(() -> feed.sent() > sentAtBack, PATIENCE, "the feed flowing again");
                double feeding = seconds(backAt);
                await(() -> rest.allTasksRunning(id), PATIENCE, "the job running");
                double running = seconds(backAt);
                await(() -> rows(dbUrl) > rowsAtBack, PATIENCE, "the job writing again");
                double writing = seconds(backAt);
                feed.await(PATIENCE);
                double fedAt = seconds(backAt);
                long afterFeed = tape.awaitOracle(kafka, dbUrl, topics, PATIENCE, () -> jobRunning(job));
                double complete = seconds(backAt);
                report(
                        "5",
                        String.format(
                                "Kafka broker shut down mid-stream for %d s, then restarted: unreachable %.1f s",
                                BROKER_OUTAGE.toSeconds(), down),
                        String.format(
                                "feed flowing %.1f s, job running %.1f s and writing new rows %.1f s after the broker "
                                        + "was back; tables complete %.1f s after it was back (the feed was done by %.1f s; +%.1f s from then)",
                                feeding, running, writing, complete, fedAt, afterFeed / 1000.0),
                        restarts(job.getJobID()),
                        tape,
                        topics);
            } finally {
                cancel(job);
            }
        }
    }

    /** Live mode with the production defaults; only where to read and write, and the parallelism. */
    private static JobOptions liveOptions(
            EmbeddedKafka kafka, EmbeddedPostgres postgres, String dbUrl, FaultTape.Topics topics) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--mode",
                "live",
                "--starting-offsets",
                "earliest",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--group-id",
                TestServices.unique("group"),
                "--db-url",
                dbUrl,
                "--db-user",
                postgres.user(),
                "--checkpoint-dir",
                java.nio.file.Files.createTempDirectory("it-checkpoints")
                        .toUri()
                        .toString(),
                "--parallelism",
                "2"));
        args.addAll(FaultTape.jobArgs(topics));
        JobOptions options = JobOptions.fromArgs(args.toArray(String[]::new), Map.of());
        JobOptions defaults = JobOptions.fromArgs(new String[] {}, Map.of());
        assertThat(options.idleTimeout).as("the production default").isEqualTo(defaults.idleTimeout);
        assertThat(options.sinkMaxRetries).as("the production default").isEqualTo(defaults.sinkMaxRetries);
        assertThat(options.checkpointInterval).as("the production default").isEqualTo(defaults.checkpointInterval);
        return options;
    }

    private static JobClient start(JobOptions options, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        return env.executeAsync(name);
    }

    /**
     * The feed's producer rides out a broker outage as a real feed handler must: idempotent (a
     * batch retried after the broker comes back is written once, at the offset the tape expects),
     * and patient enough for the outage and the broker's restart.
     */
    private static Properties producerProps(EmbeddedKafka kafka) {
        Properties props = kafka.producerProps();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(5 * 60_000));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(5 * 60_000));
        return props;
    }

    private static void report(
            String scenario, String injected, String recovery, long restarts, FaultTape tape, FaultTape.Topics topics) {
        String line = String.format(
                "FAULT SUITE | scenario %s | %s | %s | %d restarts | rows missing/extra/changed 0/0/0 "
                        + "(ohlcv_1m %d, basis_1m %d, foreign_flow_1m %d rows) | dead letters %d, duplicated 0 | %d records published",
                scenario,
                injected,
                recovery,
                restarts,
                tape.ohlcvRows().size(),
                tape.basisRows().size(),
                tape.flowRows().size(),
                tape.expectedDeadLetters(topics).size(),
                tape.records.size());
        System.out.println(line);
        LOG.info(line);
    }

    private static int completedCheckpoints(FlinkRest rest, String id) throws Exception {
        return rest.checkpoints(id).path("counts").path("completed").asInt();
    }

    /** The job's restarts so far (the job-level {@code numRestarts} gauge). */
    private static long restarts(JobID id) {
        long restarts = 0;
        for (Map.Entry<String, Metric> m :
                REPORTER.findMetrics(id, "numRestarts").entrySet()) {
            if (m.getKey().endsWith(".numRestarts")
                    && m.getValue() instanceof Gauge<?> g
                    && g.getValue() instanceof Number n) {
                restarts = Math.max(restarts, n.longValue());
            }
        }
        return restarts;
    }

    /** Rows in the three tables. */
    private static long rows(String dbUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl + "&connectTimeout=2");
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT (SELECT count(*) FROM ohlcv_1m)"
                                + " + (SELECT count(*) FROM basis_1m) + (SELECT count(*) FROM foreign_flow_1m)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean jobRunning(JobClient job) {
        try {
            return !job.getJobStatus().get().isGloballyTerminalState();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void cancel(JobClient job) throws Exception {
        if (jobRunning(job)) {
            job.cancel().get();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
