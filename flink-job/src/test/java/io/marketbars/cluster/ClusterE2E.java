package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.FaultTape;
import io.marketbars.testing.FeedTape;
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

    /** The Vietnamese market's zone: the job's option and the schema's day boundary alike. */
    static final java.time.ZoneId EXCHANGE = FeedTape.ZONE;

    /** A job's own topic, dead-letter topic, group and database; the program arguments to run it. */
    record Setup(String topic, String dbUrl, List<String> args) {
        static Setup create(String name, int partitions) throws Exception {
            String topic = TestServices.unique(name);
            TestServices.kafka().createTopic(topic, partitions);
            return forTopic(name, topic);
        }

        /** For an existing topic. */
        static Setup forTopic(String name, String topic) throws Exception {
            return forTopic(
                    name,
                    topic,
                    TestServices.kafka(),
                    TestServices.kafka().bootstrapServers(),
                    TestServices.migratedDatabase(name, EXCHANGE),
                    TestServices.postgres().user(),
                    SharedCluster.workDir().resolve("checkpoints").resolve(topic));
        }

        /**
         * For an existing topic on {@code kafka}, which the job reaches at {@code bootstrapServers}
         * (a listener of its own, such as SASL_SSL), writing to database {@code db} as {@code dbUser}.
         */
        static Setup forTopic(
                String name,
                String topic,
                EmbeddedKafka kafka,
                String bootstrapServers,
                String db,
                String dbUser,
                Path checkpoints)
                throws Exception {
            String dlq = TestServices.unique(name + "_dlq");
            kafka.createTopic(dlq, 1);
            // The whole job runs, basis and foreign-flow branches included, on empty feeds of its own.
            kafka.ensureTopic(topic + "_index", 1);
            kafka.ensureTopic(topic + "_flow", 2);
            List<String> args = new ArrayList<>(List.of(
                    "run",
                    "--mode",
                    "live",
                    "--bootstrap-servers",
                    bootstrapServers,
                    "--trades-topic",
                    topic,
                    "--index-topic",
                    topic + "_index",
                    "--foreign-flow-topic",
                    topic + "_flow",
                    "--futures",
                    "VN30F*=VN30",
                    "--futures-aliases",
                    "VN30F1M=VN30F+1",
                    "--exchange-time-zone",
                    EXCHANGE.getId(),
                    "--dead-letter-topic",
                    dlq,
                    "--group-id",
                    TestServices.unique("group"),
                    "--starting-offsets",
                    "earliest",
                    "--db-url",
                    db,
                    "--db-user",
                    dbUser,
                    // The production idle timeout: a restore after the TaskManager kill meets a backlog,
                    // which must be read in event time (the closing ticks close the last bars).
                    "--checkpoint-interval",
                    "1 s",
                    "--checkpoint-dir",
                    checkpoints.toUri().toString(),
                    "--sink-flush-interval",
                    "200 ms"));
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
            assertThat(String.join(" | ", names))
                    .as("operators read as a pipeline")
                    .containsSubsequence(
                            "Kafka trades",
                            "Parse and validate",
                            "Deduplicate and order",
                            "OHLCV 1m",
                            "Upsert ohlcv_1m");
            assertThat(String.join(" | ", names))
                    .contains("Basis 1m (as-of join)", "Upsert basis_1m", "Foreign flow 1m", "Upsert foreign_flow_1m");

            awaitRows(setup.dbUrl, BarOracle.expectedRows(tape), Duration.ofSeconds(90));

            long parsed = tape.records.size() - tape.count(Kind.MALFORMED);
            int expectedRows = BarOracle.expectedRows(tape).size();
            Map<String, JsonNode> m = awaitMetrics(
                    jobId,
                    Map.of("ticksIn", parsed + closing, "barsOut", (long) expectedRows, "sinkRowsWritten", (long)
                            expectedRows),
                    Duration.ofSeconds(30),
                    "ticksIn",
                    "deadLettered",
                    "duplicates",
                    "lateTicksAccepted",
                    "lateTicksDeadLettered",
                    "timestampOutOfRange",
                    "watermarkLagMillis",
                    "barsOut",
                    "barUpdatesFromLateTicks",
                    "sinkBatches",
                    "sinkRowsWritten",
                    "sinkBatchLatencyMillis_max",
                    "sinkBatchLatencyMillis_p99",
                    "deadLetterReason.MALFORMED_JSON");
            LOG.info("Metrics through REST: {}", m);
            int rows = BarOracle.expectedRows(tape).size();
            assertThat(sum(m, "ticksIn")).isEqualTo(parsed + closing);
            assertThat(sum(m, "deadLettered")).isEqualTo(tape.count(Kind.MALFORMED));
            assertThat(sum(m, "deadLetterReason.MALFORMED_JSON"))
                    .isEqualTo(tape.records.stream()
                            .filter(e -> "MALFORMED_JSON".equals(e.expectedReason))
                            .count());
            assertThat(sum(m, "duplicates")).isEqualTo(tape.count(Kind.DUPLICATE));
            assertThat(sum(m, "lateTicksDeadLettered")).isEqualTo(tape.count(Kind.TOO_LATE));
            assertThat(sum(m, "lateTicksAccepted")).isBetween(0L, tape.count(Kind.LATE_ALLOWED));
            assertThat(sum(m, "timestampOutOfRange")).isZero();
            // Every upserted version counts, so at least one per row; late ticks add versions.
            assertThat(sum(m, "barsOut")).isGreaterThanOrEqualTo(rows);
            assertThat(sum(m, "sinkRowsWritten")).isBetween((long) rows, sum(m, "barsOut"));
            assertThat(sum(m, "sinkBatches")).isPositive().isLessThanOrEqualTo(sum(m, "sinkRowsWritten"));
            assertThat(m.get("sinkBatchLatencyMillis_max").path("max").asDouble())
                    .isGreaterThanOrEqualTo(0)
                    .isLessThan(10_000);
            // The watermark stands just behind the closing ticks, so the lag is the wall clock minus that.
            long watermark = tape.start.toEpochMilli() + MINUTES * 60_000L + CLOSE_AFTER_MILLIS - 2_001;
            double lag = m.get("watermarkLagMillis").path("max").asDouble();
            assertThat(lag).isBetween((double) (System.currentTimeMillis() - watermark - 120_000), (double)
                    (System.currentTimeMillis() - watermark + 1_000));

            String prometheus = FlinkRest.text("http://127.0.0.1:" + cluster.taskManagerPrometheusPort() + "/metrics");
            assertThat(prometheus)
                    .as("the Prometheus reporter exports the custom metrics")
                    .contains(
                            "_ticksIn{",
                            "_barsOut{",
                            "_duplicates{",
                            "_watermarkLagMillis{",
                            "_sinkBatchLatencyMillis{",
                            "_sinkRowsWritten{");
        } finally {
            rest.cancel(jobId);
        }
    }

    /**
     * Fault suite, scenario 2: the TaskManager SIGKILLed three times while all three feeds flow,
     * each replacement started 30 s later so a backlog builds, with Flink's default heartbeats.
     * Each restore reads its backlog in event time; the tables end equal to the oracles and every
     * planted bad record is dead-lettered once.
     */
    @Test
    void aTaskManagerKilledThreeTimesWithBacklogsEndsEqualToTheOracles() throws Exception {
        FaultTape tape = FaultTape.generate(20251201L);
        FaultRun run = FaultRun.create("e2e_kill", tape);
        String jobId = rest.runJar(SharedCluster.jarId(), run.args, 2, null, false);
        try (FaultTape.Publisher feed =
                tape.publish(run.topics, TestServices.kafka().producerProps(), Duration.ofSeconds(180))) {
            awaitRunning(jobId, Duration.ofSeconds(60));
            List<String> reports = new ArrayList<>();
            for (int kill = 1; kill <= 3; kill++) {
                long completed =
                        rest.checkpoints(jobId).path("counts").path("completed").asLong();
                feed.awaitProgress(0.2 * kill, Duration.ofSeconds(120));
                FlinkRest.await(
                        () -> rest.checkpoints(jobId),
                        c -> c.path("counts").path("completed").asLong() >= completed + 2,
                        Duration.ofSeconds(60),
                        "two new checkpoints before kill " + kill);
                long completedBefore =
                        rest.checkpoints(jobId).path("counts").path("completed").asLong();
                double progressAtKill = feed.progress();

                long killed = System.nanoTime();
                long killedWall = System.currentTimeMillis();
                assertThat(cluster.killTaskManager()).as("SIGKILL: 128 + 9").isEqualTo(137);
                // The replacement comes 30 s later, as a rescheduled pod would: a backlog builds meanwhile.
                JsonNode noticed = FlinkRest.await(
                        () -> rest.job(jobId),
                        j -> !"RUNNING".equals(j.path("state").asText())
                                || j.path("vertices").findValues("status").stream()
                                        .anyMatch(st -> !"RUNNING".equals(st.asText())),
                        Duration.ofSeconds(30),
                        "the job to notice the lost TaskManager");
                double noticedSeconds = (System.nanoTime() - killed) / 1e9;
                LOG.info(
                        "Kill {}: job {} after {} s",
                        kill,
                        noticed.path("state").asText(),
                        noticedSeconds);
                Thread.sleep(Math.max(0, 30_000 - (System.nanoTime() - killed) / 1_000_000));
                long replaced = System.nanoTime();
                cluster.startTaskManager();
                awaitRunning(jobId, Duration.ofSeconds(120));
                double runningSeconds = (System.nanoTime() - replaced) / 1e9;
                JsonNode restored = FlinkRest.await(
                                () -> rest.checkpoints(jobId),
                                c -> c.path("latest")
                                                        .path("restored")
                                                        .path("restore_timestamp")
                                                        .asLong()
                                                > killedWall
                                        && c.path("latest")
                                                        .path("completed")
                                                        .path("latest_ack_timestamp")
                                                        .asLong()
                                                > killedWall,
                                Duration.ofSeconds(60),
                                "a restore and a new completed checkpoint")
                        .path("latest")
                        .path("restored");
                double checkpointSeconds = (System.nanoTime() - replaced) / 1e9;
                assertThat(restored.path("id").asLong())
                        .as("the newest checkpoint")
                        .isGreaterThanOrEqualTo(completedBefore);
                assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
                reports.add(String.format(
                        "kill %d at %.0f%% of the tape: noticed after %.1f s; replacement started 30 s after"
                                + " the kill, all tasks RUNNING %.1f s and a new checkpoint %.1f s after it (restored checkpoint %d)",
                        kill,
                        100 * progressAtKill,
                        noticedSeconds,
                        runningSeconds,
                        checkpointSeconds,
                        restored.path("id").asLong()));
            }
            feed.await(Duration.ofMinutes(3));
            long tail = tape.awaitOracle(run.dbUrl, run.topics, Duration.ofMinutes(2), () -> isRunning(jobId));
            reports.forEach(r -> {
                LOG.info("Scenario 2: {}", r);
                System.out.println("Scenario 2: " + r);
            });
            System.out.printf(
                    "Scenario 2: %d records; tables equal to the oracles (%d ohlcv, %d basis, %d flow rows), %d dead letters"
                            + " once each, %.1f s after the last record was published%n",
                    tape.records.size(),
                    tape.ohlcvRows().size(),
                    tape.basisRows().size(),
                    tape.flowRows().size(),
                    tape.expectedDeadLetters(run.topics).size(),
                    tail / 1000.0);
        } finally {
            rest.cancel(jobId);
        }
    }

    /**
     * Fault suite, scenario 7: stop with a savepoint and resume at parallelism 1, then again at 2,
     * while all three feeds flow and the as-of join and foreign-flow operators hold state.
     */
    @Test
    void stopWithSavepointAndResumeFromTwoToOneAndOneToTwoLosesAndChangesNoRow() throws Exception {
        FaultTape tape = FaultTape.generate(20251202L);
        FaultRun run = FaultRun.create("e2e_upgrade", tape);
        String jobId = rest.runJar(SharedCluster.jarId(), run.args, 2, null, false);
        try (FaultTape.Publisher feed =
                tape.publish(run.topics, TestServices.kafka().producerProps(), Duration.ofSeconds(100))) {
            awaitRunning(jobId, Duration.ofSeconds(60));
            List<String> reports = new ArrayList<>();
            int[] parallelisms = {1, 2};
            for (int step = 0; step < parallelisms.length; step++) {
                String current = jobId;
                feed.awaitProgress(0.3 * (step + 1), Duration.ofSeconds(90));
                FlinkRest.await(
                        () -> rest.checkpoints(current),
                        c -> c.path("counts").path("completed").asInt() >= 1,
                        Duration.ofSeconds(60),
                        "a checkpoint mid-stream");
                int from = rest.job(current)
                        .path("vertices")
                        .get(0)
                        .path("parallelism")
                        .asInt();
                long stopped = System.nanoTime();
                String savepoint = rest.stopWithSavepoint(
                        current,
                        SharedCluster.workDir().resolve("savepoints").toUri().toString(),
                        Duration.ofSeconds(60));
                FlinkRest.await(
                        () -> rest.job(current),
                        j -> "FINISHED".equals(j.path("state").asText()),
                        Duration.ofSeconds(30),
                        "the stopped job to finish");
                assertThat(feed.progress())
                        .as("records still flowing after the stop")
                        .isLessThan(1.0);
                Map<String, Long> state = savepointStateSizes(current);
                long basisState = stateOf(state, "Basis 1m (as-of join)");
                long flowState = stateOf(state, "Foreign flow 1m");
                assertThat(basisState).as("as-of join state in the savepoint").isPositive();
                assertThat(flowState).as("foreign-flow state in the savepoint").isPositive();

                int target = parallelisms[step];
                jobId = rest.runJar(SharedCluster.jarId(), run.args, target, savepoint, false);
                String resumed = jobId;
                awaitRunning(resumed, Duration.ofSeconds(60));
                double downSeconds = (System.nanoTime() - stopped) / 1e9;
                assertThat(rest.job(resumed).path("vertices").findValues("parallelism"))
                        .allSatisfy(p -> assertThat(p.asInt()).isEqualTo(target));
                JsonNode restored = FlinkRest.await(
                                () -> rest.checkpoints(resumed),
                                c -> c.path("latest").path("restored").hasNonNull("id"),
                                Duration.ofSeconds(30),
                                "restore info")
                        .path("latest")
                        .path("restored");
                assertThat(restored.path("is_savepoint").asBoolean()).isTrue();
                assertThat(restored.path("external_path").asText()).isEqualTo(savepoint);
                reports.add(String.format(
                        "parallelism %d to %d (resumed at %.0f%% of the tape): stop, savepoint and resubmission took %.1f s"
                                + " until all tasks ran (as-of join state %d bytes, foreign-flow state %d bytes)",
                        from, target, 100 * feed.progress(), downSeconds, basisState, flowState));
            }
            feed.await(Duration.ofMinutes(2));
            String last = jobId;
            long tail = tape.awaitOracle(run.dbUrl, run.topics, Duration.ofMinutes(2), () -> isRunning(last));
            reports.forEach(r -> {
                LOG.info("Scenario 7: {}", r);
                System.out.println("Scenario 7: " + r);
            });
            System.out.printf(
                    "Scenario 7: tables equal to the oracles, dead letters once each, %.1f s after the last record%n",
                    tail / 1000.0);
        } finally {
            if (isRunning(jobId)) {
                rest.cancel(jobId);
            }
        }
    }

    /** Each vertex's state size in the job's last savepoint, by vertex name. */
    private static Map<String, Long> savepointStateSizes(String jobId) throws Exception {
        JsonNode checkpoints = rest.checkpoints(jobId);
        long id = checkpoints.path("latest").path("savepoint").path("id").asLong();
        JsonNode tasks =
                rest.get("/jobs/" + jobId + "/checkpoints/details/" + id).path("tasks");
        Map<String, Long> sizes = new HashMap<>();
        rest.vertices(jobId)
                .forEach((name, vertexId) ->
                        sizes.put(name, tasks.path(vertexId).path("state_size").asLong()));
        LOG.info("State sizes in savepoint {} of {}: {}", id, jobId, sizes);
        return sizes;
    }

    /** The state size of the (chained) vertex whose name starts with {@code operator}. */
    private static long stateOf(Map<String, Long> sizes, String operator) {
        return sizes.entrySet().stream()
                .filter(e -> e.getKey().startsWith(operator))
                .mapToLong(Map.Entry::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no vertex " + operator + " in " + sizes.keySet()));
    }

    private static boolean isRunning(String jobId) {
        try {
            return "RUNNING".equals(rest.job(jobId).path("state").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A fault-suite run on the cluster: its topics, database and the program arguments (live mode, defaults). */
    record FaultRun(FaultTape.Topics topics, String dbUrl, List<String> args) {
        static FaultRun create(String name, FaultTape tape) throws Exception {
            FaultTape.Topics topics = FaultTape.Topics.create(name);
            String db = TestServices.migratedDatabase(name, FeedTape.ZONE);
            return new FaultRun(
                    topics,
                    db,
                    args(
                            topics,
                            db,
                            SharedCluster.workDir().resolve("checkpoints").resolve(topics.trades())));
        }

        /** The fault tape's topics in live mode, every option at its default but checkpointing every second. */
        static List<String> args(FaultTape.Topics topics, String db, java.nio.file.Path checkpoints) {
            List<String> args = new ArrayList<>(List.of(
                    "run",
                    "--mode",
                    "live",
                    "--bootstrap-servers",
                    TestServices.kafka().bootstrapServers(),
                    "--group-id",
                    TestServices.unique("group"),
                    "--starting-offsets",
                    "earliest",
                    "--db-url",
                    db,
                    "--db-user",
                    TestServices.postgres().user(),
                    "--checkpoint-interval",
                    "1 s",
                    "--checkpoint-dir",
                    checkpoints.toUri().toString(),
                    "--sink-flush-interval",
                    "200 ms"));
            args.addAll(FaultTape.jobArgs(topics));
            return args;
        }
    }

    static void awaitRunning(String jobId, Duration timeout) throws Exception {
        FlinkStandaloneCluster cluster = SharedCluster.get();
        FlinkRest rest = cluster.rest();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!rest.allTasksRunning(jobId)) {
            JsonNode job = rest.job(jobId);
            String state = job.path("state").asText();
            if (System.nanoTime() > deadline
                    || "FAILED".equals(state)
                    || "FINISHED".equals(state)
                    || "CANCELED".equals(state)) {
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
            rows = BarRows.read(dbUrl).stream()
                    .filter(r -> !r.startsWith(TapeFeed.CLOSING_SYMBOL))
                    .toList();
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
    static Map<String, JsonNode> awaitMetrics(
            String jobId, Map<String, Long> atLeast, Duration timeout, String... names) throws Exception {
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
            if (values.keySet().containsAll(List.of(names))
                    && atLeast.entrySet().stream()
                            .allMatch(e -> current.containsKey(e.getKey())
                                    && current.get(e.getKey()).path("sum").asLong() >= e.getValue())) {
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
