package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.FlinkStandaloneCluster;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.MarketTape.Kind;
import io.marketbars.testing.SharedCluster;
import io.marketbars.testing.TapeFeed;
import io.marketbars.testing.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shaded JAR on a real standalone Flink session cluster (JobManager and TaskManager as their
 * own processes), submitted and operated through the REST API like the Web UI does, against a
 * real Kafka broker and a real PostgreSQL, and checked row by row against {@link BarOracle}:
 * a plain run with its metrics, a SIGKILLed TaskManager, and a stop-with-savepoint upgrade that
 * changes the parallelism.
 */
class ClusterE2E {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterE2E.class);
    static final int MINUTES = 8;
    static final long CLOSE_AFTER_MILLIS = 90_000;

    private static FlinkStandaloneCluster cluster;
    private static FlinkRest rest;

    @BeforeAll
    static void cluster() {
        cluster = SharedCluster.get();
        rest = cluster.rest();
    }

    /** 12 symbols, 8 minutes, 4 partitions, with duplicates, late, too-late and malformed records. */
    static MarketTape tape(long seed) {
        MarketTape tape = MarketTape.generate(seed, 12, MINUTES, 20, 4, 2_000L, 4 * 60_000L);
        assertThat(tape.count(Kind.DUPLICATE)).isPositive();
        assertThat(tape.count(Kind.TOO_LATE)).isPositive();
        assertThat(tape.count(Kind.MALFORMED)).isPositive();
        return tape;
    }

    /** A job's own topic, dead-letter topic, group and database; the program arguments to run it. */
    record Setup(String topic, String dbUrl, List<String> args) {
        static Setup create(String name, int partitions) throws Exception {
            String topic = TestServices.unique(name);
            TestServices.kafka().createTopic(topic, partitions);
            return forTopic(name, topic);
        }

        /** For an existing topic. */
        static Setup forTopic(String name, String topic) throws Exception {
            String dlq = TestServices.unique(name + "_dlq");
            TestServices.kafka().createTopic(dlq, 1);
            String db = TestServices.migratedDatabase(name);
            // The whole job runs, basis and foreign-flow branches included, on empty feeds of its own.
            TestServices.kafka().ensureTopic(topic + "_index", 1);
            TestServices.kafka().ensureTopic(topic + "_flow", 2);
            Path checkpoints = SharedCluster.workDir().resolve("checkpoints").resolve(topic);
            List<String> args = new ArrayList<>(List.of(
                    "run",
                    "--mode", "live",
                    "--bootstrap-servers", TestServices.kafka().bootstrapServers(),
                    "--trades-topic", topic,
                    "--index-topic", topic + "_index",
                    "--foreign-flow-topic", topic + "_flow",
                    "--futures", "VN30F*=VN30",
                    "--futures-aliases", "VN30F1M=VN30F+1",
                    "--exchange-time-zone", "Asia/Ho_Chi_Minh",
                    "--dead-letter-topic", dlq,
                    "--group-id", TestServices.unique("group"),
                    "--starting-offsets", "earliest",
                    "--db-url", db,
                    "--db-user", TestServices.postgres().user(),
                    // The production idle timeout: a restore after the TaskManager kill meets a backlog,
                    // which must be read in event time (the closing ticks close the last bars).
                    "--checkpoint-interval", "1 s",
                    "--checkpoint-dir", checkpoints.toUri().toString(),
                    "--sink-flush-interval", "200 ms"));
            return new Setup(topic, db, args);
        }
    }

    @Test
    void uploadedJarRunsWithReadableOperatorsCustomMetricsAndTheOraclesRows() throws Exception {
        MarketTape tape = tape(20251121L);
        Setup setup = Setup.create("e2e_plain", tape.partitions);
        int closing;
        try (TapeFeed feed = new TapeFeed(setup.topic)) {
            feed.sendAll(tape.records);
            closing = feed.sendClosingTicks(tape, MINUTES, CLOSE_AFTER_MILLIS);
        }
        String jobId = rest.runJar(SharedCluster.jarId(), setup.args, 2, null, false);
        try {
            awaitRunning(jobId, Duration.ofSeconds(60));
            List<String> names = new ArrayList<>(rest.vertices(jobId).keySet());
            LOG.info("Vertices in the Web UI: {}", names);
            assertThat(String.join(" | ", names)).as("operators read as a pipeline")
                    .containsSubsequence("Kafka trades", "Parse and validate", "Deduplicate and order", "Combine runs",
                            "OHLCV 1m", "Upsert ohlcv_1m");
            assertThat(String.join(" | ", names))
                    .contains("Basis 1m (as-of join)", "Upsert basis_1m", "Foreign flow 1m", "Upsert foreign_flow_1m");

            awaitRows(setup.dbUrl, BarOracle.expectedRows(tape), Duration.ofSeconds(90));

            long parsed = tape.records.size() - tape.count(Kind.MALFORMED);
            int expectedRows = BarOracle.expectedRows(tape).size();
            Map<String, JsonNode> m = awaitMetrics(jobId, Map.of("ticksIn", parsed + closing, "barsOut", (long) expectedRows,
                    "sinkRowsWritten", (long) expectedRows), Duration.ofSeconds(30),
                    "ticksIn", "deadLettered", "duplicates", "lateTicksAccepted", "lateTicksDeadLettered",
                    "timestampOutOfRange", "watermarkLagMillis", "barsOut", "barUpdatesFromLateTicks",
                    "sinkBatches", "sinkRowsWritten", "sinkBatchLatencyMillis_max", "sinkBatchLatencyMillis_p99",
                    "deadLetterReason.MALFORMED_JSON");
            LOG.info("Metrics through REST: {}", m);
            int rows = BarOracle.expectedRows(tape).size();
            assertThat(sum(m, "ticksIn")).isEqualTo(parsed + closing);
            assertThat(sum(m, "deadLettered")).isEqualTo(tape.count(Kind.MALFORMED));
            assertThat(sum(m, "deadLetterReason.MALFORMED_JSON")).isEqualTo(tape.records.stream()
                    .filter(e -> "MALFORMED_JSON".equals(e.expectedReason)).count());
            assertThat(sum(m, "duplicates")).isEqualTo(tape.count(Kind.DUPLICATE));
            assertThat(sum(m, "lateTicksDeadLettered")).isEqualTo(tape.count(Kind.TOO_LATE));
            assertThat(sum(m, "lateTicksAccepted")).isBetween(0L, tape.count(Kind.LATE_ALLOWED));
            assertThat(sum(m, "timestampOutOfRange")).isZero();
            // Every upserted version counts, so at least one per row; late ticks add versions.
            assertThat(sum(m, "barsOut")).isGreaterThanOrEqualTo(rows);
            assertThat(sum(m, "sinkRowsWritten")).isBetween((long) rows, sum(m, "barsOut"));
            assertThat(sum(m, "sinkBatches")).isPositive().isLessThanOrEqualTo(sum(m, "sinkRowsWritten"));
            assertThat(m.get("sinkBatchLatencyMillis_max").path("max").asDouble()).isGreaterThanOrEqualTo(0)
                    .isLessThan(10_000);
            // The watermark stands just behind the closing ticks, so the lag is the wall clock minus that.
            long watermark = tape.start.toEpochMilli() + MINUTES * 60_000L + CLOSE_AFTER_MILLIS - 2_001;
            double lag = m.get("watermarkLagMillis").path("max").asDouble();
            assertThat(lag).isBetween((double) (System.currentTimeMillis() - watermark - 120_000),
                    (double) (System.currentTimeMillis() - watermark + 1_000));

            String prometheus = FlinkRest.text("http://127.0.0.1:" + cluster.taskManagerPrometheusPort() + "/metrics");
            assertThat(prometheus).as("the Prometheus reporter exports the custom metrics")
                    .contains("_ticksIn{", "_barsOut{", "_duplicates{", "_watermarkLagMillis{",
                            "_sinkBatchLatencyMillis{", "_sinkRowsWritten{");
        } finally {
            rest.cancel(jobId);
        }
    }

    @Test
    void aSigkilledTaskManagerIsReplacedAndTheJobRecoversToTheOraclesRows() throws Exception {
        MarketTape tape = tape(20251122L);
        Setup setup = Setup.create("e2e_kill", tape.partitions);
        String jobId = rest.runJar(SharedCluster.jarId(), setup.args, 2, null, false);
        try (TapeFeed feed = new TapeFeed(setup.topic)) {
            awaitRunning(jobId, Duration.ofSeconds(60));
            feed.start(tape.records, 200);
            FlinkRest.await(() -> rest.checkpoints(jobId), c -> c.path("counts").path("completed").asInt() >= 2
                    && feed.sent() > tape.records.size() / 3, Duration.ofSeconds(60), "two checkpoints mid-stream");
            long completedBefore = rest.checkpoints(jobId).path("counts").path("completed").asLong();
            int sentAtKill = feed.sent();

            long killed = System.nanoTime();
            long killedWall = System.currentTimeMillis();
            int exit = cluster.killTaskManager();
            assertThat(exit).as("SIGKILL: 128 + 9").isEqualTo(137);
            cluster.startTaskManager();

            FlinkRest.await(() -> rest.job(jobId), j -> !"RUNNING".equals(j.path("state").asText())
                    || j.path("vertices").findValues("status").stream().anyMatch(s -> !"RUNNING".equals(s.asText())),
                    Duration.ofSeconds(30), "the job to notice the lost TaskManager");
            awaitRunning(jobId, Duration.ofSeconds(90));
            double tasksRunningSeconds = (System.nanoTime() - killed) / 1e9;
            JsonNode afterRestore = FlinkRest.await(() -> rest.checkpoints(jobId),
                    c -> c.path("latest").path("restored").hasNonNull("id")
                            && c.path("latest").path("completed").path("latest_ack_timestamp").asLong() > killedWall,
                    Duration.ofSeconds(60), "a restore and a new completed checkpoint");
            double firstCheckpointSeconds = (System.nanoTime() - killed) / 1e9;
            JsonNode restored = afterRestore.path("latest").path("restored");
            // The newest checkpoint, not an older one: at least as new as those completed when we looked.
            assertThat(restored.path("id").asLong()).isGreaterThanOrEqualTo(completedBefore);
            assertThat(restored.path("restore_timestamp").asLong()).isGreaterThan(killedWall);
            assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
            JsonNode exceptions = rest.get("/jobs/" + jobId + "/exceptions");
            assertThat(exceptions.toString()).as("the failure the restart came from").containsIgnoringCase("TaskManager");
            String report = String.format("Recovery after SIGKILL of the TaskManager (%d of %d ticks sent): all tasks RUNNING"
                    + " after %.1f s, first new completed checkpoint after %.1f s (restored checkpoint %d)",
                    sentAtKill, tape.records.size(), tasksRunningSeconds, firstCheckpointSeconds, restored.path("id").asLong());
            LOG.info(report);
            System.out.println(report);

            feed.await();
            feed.sendClosingTicks(tape, MINUTES, CLOSE_AFTER_MILLIS);
            awaitRows(setup.dbUrl, BarOracle.expectedRows(tape), Duration.ofSeconds(90));
        } finally {
            rest.cancel(jobId);
        }
    }

    @Test
    void stopWithSavepointAndResubmitAtAnotherParallelismLosesAndChangesNoRow() throws Exception {
        MarketTape tape = tape(20251123L);
        Setup setup = Setup.create("e2e_upgrade", tape.partitions);
        String first = rest.runJar(SharedCluster.jarId(), setup.args, 2, null, false);
        String second = null;
        try (TapeFeed feed = new TapeFeed(setup.topic)) {
            awaitRunning(first, Duration.ofSeconds(60));
            feed.start(tape.records, 200);
            FlinkRest.await(() -> rest.checkpoints(first), c -> c.path("counts").path("completed").asInt() >= 1
                    && feed.sent() > tape.records.size() / 3, Duration.ofSeconds(60), "a checkpoint mid-stream");
            String savepoint = rest.stopWithSavepoint(first,
                    SharedCluster.workDir().resolve("savepoints").toUri().toString(), Duration.ofSeconds(60));
            assertThat(feed.sent()).as("ticks still flowing after the stop").isLessThan(tape.records.size());
            FlinkRest.await(() -> rest.job(first), j -> "FINISHED".equals(j.path("state").asText()),
                    Duration.ofSeconds(30), "the stopped job to finish");
            LOG.info("Stopped with savepoint {} after {} of {} ticks", savepoint, feed.sent(), tape.records.size());

            second = rest.runJar(SharedCluster.jarId(), setup.args, 1, savepoint, false);
            String upgraded = second;
            awaitRunning(upgraded, Duration.ofSeconds(60));
            assertThat(rest.job(upgraded).path("vertices").findValues("parallelism"))
                    .allSatisfy(p -> assertThat(p.asInt()).isEqualTo(1));
            JsonNode restored = FlinkRest.await(() -> rest.checkpoints(upgraded),
                    c -> c.path("latest").path("restored").hasNonNull("id"), Duration.ofSeconds(30), "restore info")
                    .path("latest").path("restored");
            assertThat(restored.path("is_savepoint").asBoolean()).isTrue();
            assertThat(restored.path("external_path").asText()).isEqualTo(savepoint);

            feed.await();
            feed.sendClosingTicks(tape, MINUTES, CLOSE_AFTER_MILLIS);
            awaitRows(setup.dbUrl, BarOracle.expectedRows(tape), Duration.ofSeconds(90));
        } finally {
            if (second != null) {
                rest.cancel(second);
            }
        }
    }

    static void awaitRunning(String jobId, Duration timeout) throws Exception {
        FlinkStandaloneCluster cluster = SharedCluster.get();
        FlinkRest rest = cluster.rest();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!rest.allTasksRunning(jobId)) {
            JsonNode job = rest.job(jobId);
            String state = job.path("state").asText();
            if (System.nanoTime() > deadline || "FAILED".equals(state) || "FINISHED".equals(state) || "CANCELED".equals(state)) {
                throw new AssertionError("Job " + jobId + " is " + state + ", not RUNNING: "
                        + rest.get("/jobs/" + jobId + "/exceptions") + "\n" + cluster.logTail("jobmanager.log", 40));
            }
            Thread.sleep(200);
        }
    }

    /** Waits until the table holds exactly the oracle's rows (the closing ticks' own bars aside). */
    static void awaitRows(String dbUrl, List<String> expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> rows = List.of();
        while (System.nanoTime() < deadline) {
            rows = BarRows.read(dbUrl).stream().filter(r -> !r.startsWith(TapeFeed.CLOSING_SYMBOL)).toList();
            if (rows.equals(expected)) {
                return;
            }
            Thread.sleep(500);
        }
        assertThat(rows).as("no row missing, extra or different").containsExactlyElementsOf(expected);
    }

    /** Each metric summed (and min/max) over every vertex and subtask that has it, once {@code key} reached {@code value}. */
    static Map<String, JsonNode> awaitMetrics(String jobId, String key, long value, Duration timeout, String... names)
            throws Exception {
        return awaitMetrics(jobId, Map.of(key, value), timeout, names);
    }

    /**
     * Polls until every metric in {@code atLeast} reaches its value: the REST API serves metrics the
     * JobManager fetched up to {@code metrics.fetcher.update-interval} ago, vertex by vertex.
     */
    static Map<String, JsonNode> awaitMetrics(String jobId, Map<String, Long> atLeast, Duration timeout, String... names)
            throws Exception {
        FlinkRest rest = SharedCluster.get().rest();
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, JsonNode> values;
        do {
            values = new HashMap<>();
            for (Map.Entry<String, String> vertex : rest.vertices(jobId).entrySet()) {
                // The trades path only: the basis and flow branches register metrics of the same
                // names (deadLettered, sink*) for their own inputs, empty in these tests.
                if (!vertex.getKey().matches(".*(index values|foreign flow|Basis 1m|Foreign flow 1m).*")) {
                    values.putAll(rest.vertexMetrics(jobId, vertex.getValue(), names));
                }
            }
            Map<String, JsonNode> current = values;
            if (values.keySet().containsAll(List.of(names)) && atLeast.entrySet().stream().allMatch(
                    e -> current.containsKey(e.getKey()) && current.get(e.getKey()).path("sum").asLong() >= e.getValue())) {
                return values;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return values;
    }

    static long sum(Map<String, JsonNode> metrics, String name) {
        assertThat(metrics).as("metric %s through REST", name).containsKey(name);
        return metrics.get(name).path("sum").asLong();
    }
}
