package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.sinks.SinkMetrics;
import io.marketbars.sources.TickDeserializer;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.MarketTape.Entry;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.ThrottledUntilReleased;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A permanent database error while the job runs: the job's role loses {@code UPDATE} on
 * {@code ohlcv_1m} (which every upsert needs, new rows included). The operator must see it (the
 * sink's failure metrics, the job failing and restarting, the database's message in the job's
 * exception history) and nothing may be lost once the grant is back: the refused batches were
 * never acknowledged by a checkpoint, so the restarted job writes them again. Production defaults
 * for retries, restart strategy and timeouts; the job runs as a login user in {@code bars_writer}.
 */
class DatabaseRefusalIT {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseRefusalIT.class);

    /** Flink's own reporter, keeping the metrics of task attempts that failed. */
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    void aRevokedUpdateFailsTheJobVisiblyAndNothingIsLostOnceItIsGrantedBack(
            @InjectClusterClient ClusterClient<?> cluster) throws Exception {
        MarketTape tape = MarketTape.generate(20241203L, 20, 10, 24, 4, 2_000L, 15 * 60_000L);
        String topic = TestServices.unique("trades");
        TestServices.kafka().createTopic(topic, tape.partitions);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(TestServices.kafka().producerProps())) {
            for (Entry e : tape.records) {
                producer.send(new ProducerRecord<>(topic, e.partition, e.key(), e.value));
            }
        }
        String dbUrl = TestServices.migratedDatabase("refusal");
        // The job's URL names no user (pgjdbc lets a URL's user override the connection's).
        String jobUrl = dbUrl.substring(0, dbUrl.indexOf('?'));
        String login = TestServices.unique("bars_job");
        sql(dbUrl, "CREATE ROLE " + login + " LOGIN IN ROLE bars_writer");
        String dlq = TestServices.unique("dead_letters");
        TestServices.kafka().createTopic(dlq, 1);

        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode",
                    "replay",
                    "--bootstrap-servers",
                    TestServices.kafka().bootstrapServers(),
                    "--trades-topic",
                    topic,
                    "--index-topic",
                    "none",
                    "--foreign-flow-topic",
                    "none",
                    "--dead-letter-topic",
                    dlq,
                    "--group-id",
                    TestServices.unique("group"),
                    "--db-url",
                    jobUrl,
                    "--db-user",
                    login,
                    "--checkpoint-interval",
                    "1 s",
                    "--checkpoint-dir",
                    java.nio.file.Files.createTempDirectory("it-checkpoints")
                            .toUri()
                            .toString(),
                    "--parallelism",
                    "2",
                },
                Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.define(
                env,
                () -> BarsJob.tradesSource(
                        options,
                        new ThrottledUntilReleased<>(new TickDeserializer(options.maxFutureSkew.toMillis()), 4)),
                BarsJob.productionSinks(options),
                options);

        ThrottledUntilReleased.arm();
        JobClient job = env.executeAsync("refusal-" + topic);
        JobID id = job.getJobID();
        FlinkRest rest = new FlinkRest(cluster.getWebInterfaceURL());
        try {
            awaitTrue(() -> count(dbUrl, "SELECT count(*) FROM ohlcv_1m") > 0, Duration.ofMinutes(1), "the first bars");
            assertThat(count(dbUrl, "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + login + "'"))
                    .as("the sink is connected as the job's login user")
                    .isPositive();
            sql(dbUrl, "REVOKE UPDATE ON ohlcv_1m FROM bars_writer");
            long revokedAt = System.nanoTime();
            assertThat(job.getJobStatus().get())
                    .as("still running when the grant goes")
                    .isEqualTo(JobStatus.RUNNING);
            ThrottledUntilReleased.release();

            // What the operator sees: the database's own words in the job's exception history ...
            JsonNode history = FlinkRest.await(
                    () -> rest.get("/jobs/" + id + "/exceptions"),
                    r -> r.path("exceptionHistory")
                            .path("entries")
                            .toString()
                            .contains("permission denied for table ohlcv_1m"),
                    Duration.ofMinutes(2),
                    "the refusal in the job's exception history");
            double secondsToException = (System.nanoTime() - revokedAt) / 1e9;
            JsonNode entry = history.path("exceptionHistory").path("entries").get(0);
            assertThat(entry.path("taskName").asText()).contains("Upsert ohlcv_1m");
            assertThat(entry.path("stacktrace").asText())
                    .contains("refused by the database (SQLState 42501, " + (options.sinkMaxRetries + 1)
                            + " failed attempts in a row)");
            // ... the sink's failure metrics, and the job restarting.
            awaitTrue(
                    () -> sum(id, SinkMetrics.BATCH_FAILURES) >= options.sinkMaxRetries + 1,
                    Duration.ofMinutes(1),
                    "sinkBatchFailures to count a batch's every attempt");
            awaitTrue(
                    () -> max(id, SinkMetrics.CONSECUTIVE_FAILURES) >= options.sinkMaxRetries + 1,
                    Duration.ofMinutes(1),
                    "sinkConsecutiveFailures to reach the retries");
            awaitTrue(() -> sum(id, "numRestarts") >= 1, Duration.ofMinutes(1), "a restart");
            long failures = sum(id, SinkMetrics.BATCH_FAILURES);
            long restarts = sum(id, "numRestarts");
            assertThat(job.getJobStatus().get()).isIn(JobStatus.RUNNING, JobStatus.RESTARTING);

            sql(dbUrl, "GRANT UPDATE ON ohlcv_1m TO bars_writer");
            long grantedAt = System.nanoTime();
            job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            LOG.info(
                    "Refusal visible {} s after the revoke ({} failed attempts, {} restarts while revoked, {} entries in "
                            + "the exception history); the job finished {} s after the grant",
                    String.format("%.1f", secondsToException),
                    failures,
                    restarts,
                    history.path("exceptionHistory").path("entries").size(),
                    String.format("%.1f", (System.nanoTime() - grantedAt) / 1e9));

            assertThat(BarRows.read(dbUrl))
                    .as("no bar lost, none extra or different")
                    .containsExactlyElementsOf(BarOracle.expectedRows(tape));
        } finally {
            ThrottledUntilReleased.release();
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    /** Sums a counter or long gauge over every subtask and attempt the reporter saw. */
    private static long sum(JobID id, String name) {
        long total = 0;
        for (Metric metric : metrics(id, name)) {
            if (metric instanceof Counter c) {
                total += c.getCount();
            } else if (metric instanceof Gauge<?> g && g.getValue() instanceof Number n) {
                total += n.longValue();
            }
        }
        return total;
    }

    private static long max(JobID id, String name) {
        long max = 0;
        for (Metric metric : metrics(id, name)) {
            if (metric instanceof Gauge<?> g && g.getValue() instanceof Number n) {
                max = Math.max(max, n.longValue());
            }
        }
        return max;
    }

    /**
     * The job's metrics of that name, one per metric group: a restarted task registers the same
     * identifier again while the reporter retains the failed attempt's, so they are told apart by
     * group, not by identifier.
     */
    private static List<Metric> metrics(JobID id, String name) {
        List<Metric> found = new ArrayList<>();
        REPORTER.getMetricsByGroup().forEach((group, byName) -> {
            if (id.toString().equals(group.getAllVariables().get("<job_id>"))) {
                byName.forEach((key, metric) -> {
                    if (key.equals(name) || key.endsWith("." + name)) {
                        found.add(metric);
                    }
                });
            }
        });
        return found;
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Condition condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static long count(String dbUrl, String query) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl);
                ResultSet rs = c.createStatement().executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** As the schema owner (the embedded server's superuser), never as the job. */
    private static void sql(String dbUrl, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }
}
