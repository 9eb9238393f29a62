package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.FaultTape;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.TestServices;
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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault suite, scenario 6: a slow sink. While ticks, index values and flow snapshots flow, another
 * session holds an exclusive lock on {@code ohlcv_1m} for 30 s, so the bar sink's upserts wait.
 * The sink's task (order, window and sink are one chain) stops taking input, the network
 * buffers fill, and the trades source stops reading for far longer than the idle timeout while the
 * topic keeps growing: the test measures that from the source's own record counter and the topic's
 * end offsets, and fails if the stall was not real. The job runs with production defaults; a
 * backpressured source must not let its watermark follow the wall clock, so once the lock is
 * released the three tables must equal the oracles and the dead-letter topic must hold exactly
 * the planted bad records, once.
 *
 * <p>FaultTape's own ~200 bars would never fill a network buffer, so the tape carries 3,000 more
 * stocks with two plain trades a minute each: 84,000 trades and 42,000 more bars, all in the oracle.
 *
 * <p>Two things keep a stalled partition's watermark from following the wall clock, and either
 * alone is enough here: the partition is not caught up ({@code CatchUpTracker}: the topic grows
 * while the source stands still), and it is not quiet (the input activity clock stops while the
 * source is backpressured). The test fails when both are taken away (a processing-time clock and
 * every partition deemed caught up): the watermark then moves on during the stall and ticks read
 * after it are classified as late, so tick-rule sides and the basis of the minute being read differ.
 */
class SlowSinkIT {
    private static final Logger LOG = LoggerFactory.getLogger(SlowSinkIT.class);

    private static final InMemoryReporter REPORTER = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    /** The trades source operator and its task ("Source: Kafka trades -> Parse and validate"). */
    private static final String TRADES_SOURCE = ".*Kafka trades.*";

    private static final int FILLER_SYMBOLS = 3_000;
    private static final int FILLER_TICKS_PER_MINUTE = 2;
    /** The tape's 14 minutes and its stragglers, published in this much wall time. */
    private static final Duration PUBLISHING = Duration.ofSeconds(60);
    /** The lock is taken once this share of the tape is out (and bars are being written). */
    private static final double LOCK_AT = 0.2;

    private static final Duration LOCK_HELD = Duration.ofSeconds(30);
    /** The source must stand still for clearly longer than the idle timeout (5 s) for the test to mean anything. */
    private static final Duration MIN_STALL = Duration.ofSeconds(10);

    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @Test
    void aLockedBarTableBackpressuresTheSourcePastTheIdleTimeoutAndNothingBecomesLate() throws Exception {
        FaultTape tape = FaultTape.generate(20241206L, FILLER_SYMBOLS, FILLER_TICKS_PER_MINUTE);
        FaultTape.Topics topics = FaultTape.Topics.create("slow_sink");
        String dbUrl = TestServices.migratedDatabase("slow_sink");
        JobOptions options = liveOptions(dbUrl, topics);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        long started = System.nanoTime();
        JobClient job = env.executeAsync("it-slow-sink");
        JobID id = job.getJobID();
        FlinkRest rest = rest();
        try (FaultTape.Publisher publisher =
                        tape.publishPipelined(topics, TestServices.kafka().producerProps(), PUBLISHING);
                ReadingMonitor reading = new ReadingMonitor(id, topics.trades())) {
            publisher.awaitProgress(LOCK_AT, Duration.ofMinutes(1));
            awaitRows(dbUrl, Duration.ofSeconds(30));

            long lockedAt;
            long lockedAtEpochMillis;
            long releasedAt;
            long releasedAtEpochMillis;
            long failedCheckpointsBefore;
            int waitingSeen = 0;
            try (Connection lock =
                    DriverManager.getConnection(dbUrl, TestServices.postgres().user(), "")) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.execute("LOCK TABLE ohlcv_1m IN ACCESS EXCLUSIVE MODE");
                }
                lockedAt = System.nanoTime();
                lockedAtEpochMillis = System.currentTimeMillis();
                reading.markLock(lockedAt);
                failedCheckpointsBefore = rest.checkpoints(id.toString())
                        .path("counts")
                        .path("failed")
                        .asLong();
                LOG.info("ohlcv_1m locked at {} of the tape published", String.format("%.2f", publisher.progress()));
                while (System.nanoTime() - lockedAt < LOCK_HELD.toNanos()) {
                    assertThat(job.getJobStatus().get().isGloballyTerminalState())
                            .as("the job is still running")
                            .isFalse();
                    waitingSeen = Math.max(waitingSeen, writersWaitingForTheLock(dbUrl));
                    Thread.sleep(500);
                }
                lock.rollback();
                releasedAt = System.nanoTime();
                releasedAtEpochMillis = System.currentTimeMillis();
                reading.markRelease(releasedAt);
            }
            LOG.info(
                    "ohlcv_1m released after {} ms; up to {} sink sessions were waiting for it",
                    (releasedAt - lockedAt) / 1_000_000L,
                    waitingSeen);
            assertThat(waitingSeen)
                    .as("the bar sink's upserts waited for the lock")
                    .isPositive();
            // Without a real stall the rest of the test would prove nothing.
            long stalled = reading.longestStallDuringLock();
            LOG.info(
                    "The trades source read nothing for {} ms while the lock was held ({} records behind the topic's end"
                            + " at the worst); Flink counted a source task backpressured for {} ms of the lock",
                    stalled,
                    reading.maxLag,
                    reading.backpressuredDuringLock());
            assertThat(stalled)
                    .as("the source stood still, with records waiting in the topic, for longer than the"
                            + " idle timeout while the sink was blocked")
                    .isGreaterThanOrEqualTo(MIN_STALL.toMillis());
            assertThat(reading.backpressuredDuringLock())
                    .as("Flink counted the trades source as backpressured for" + " longer than the idle timeout")
                    .isGreaterThanOrEqualTo(MIN_STALL.toMillis());

            long backlogReadAfter = reading.awaitBacklogRead(Duration.ofMinutes(1)) - releasedAt;
            publisher.await(Duration.ofMinutes(1));
            long caughtUpAfter = reading.awaitCaughtUp(Duration.ofMinutes(1)) - releasedAt;
            long readMillis = timedRead(dbUrl);
            long waited = tape.awaitOracle(dbUrl, topics, PATIENCE, () -> !isTerminal(job));
            long complete = System.nanoTime();

            LOG.info(
                    "Slow sink: {} records ({} filler trades); ohlcv {} rows, basis {}, flow {}, dead letters {}",
                    tape.records.size(),
                    tape.filler.size(),
                    tape.ohlcvRows().size(),
                    tape.basisRows().size(),
                    tape.flowRows().size(),
                    tape.expectedDeadLetters(topics).size());
            LOG.info(
                    "Slow sink: the source read the {} records waiting at the release {} ms after it, and the whole tape"
                            + " {} ms after it; tables equal to the oracles {} ms after the release (waited {} ms for the oracle, one"
                            + " read of ohlcv_1m takes {} ms); test {} s",
                    reading.backlogAtRelease,
                    backlogReadAfter / 1_000_000L,
                    caughtUpAfter / 1_000_000L,
                    (complete - releasedAt) / 1_000_000L,
                    waited,
                    readMillis,
                    (complete - started) / 1_000_000_000L);
            checkCheckpoints(rest, id, lockedAtEpochMillis, releasedAtEpochMillis, failedCheckpointsBefore);

            assertThat(restarts(id)).as("the job never restarted").isZero();
        } finally {
            if (!isTerminal(job)) {
                job.cancel().get();
            }
        }
    }

    /** Live mode with the production defaults; only where to read and write, and the parallelism. */
    private static JobOptions liveOptions(String dbUrl, FaultTape.Topics topics) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--mode",
                "live",
                "--starting-offsets",
                "earliest",
                "--bootstrap-servers",
                TestServices.kafka().bootstrapServers(),
                "--group-id",
                TestServices.unique("slow_sink"),
                "--db-url",
                dbUrl,
                "--db-user",
                TestServices.postgres().user(),
                "--checkpoint-dir",
                java.nio.file.Files.createTempDirectory("slow-sink-checkpoints")
                        .toUri()
                        .toString(),
                "--parallelism",
                "2"));
        args.addAll(FaultTape.jobArgs(topics));
        JobOptions options = JobOptions.fromArgs(args.toArray(String[]::new), Map.of());
        assertThat(options.idleTimeout).as("the production default").isEqualTo(Duration.ofSeconds(5));
        return options;
    }

    private static boolean isTerminal(JobClient job) {
        try {
            return job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState();
        } catch (Exception e) {
            return true;
        }
    }

    /** The job's restarts, as Flink counts them; -1 when the metric is missing. */
    private static long restarts(JobID id) {
        long n = -1;
        for (Map.Entry<String, Metric> m :
                REPORTER.findMetrics(id, "numRestarts").entrySet()) {
            if (m.getKey().endsWith(".numRestarts")
                    && m.getValue() instanceof Gauge<?> g
                    && g.getValue() instanceof Number v) {
                n = Math.max(n, v.longValue());
            }
        }
        return n;
    }

    private static FlinkRest rest() {
        Configuration c = FLINK.getClientConfiguration();
        return new FlinkRest("http://" + c.get(RestOptions.ADDRESS) + ":" + c.get(RestOptions.PORT));
    }

    /** Waits until the bar sink has written, so the lock catches it mid-stream, not before it connected. */
    private static void awaitRows(String dbUrl, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(dbUrl, "SELECT count(*) FROM ohlcv_1m") == 0) {
            assertThat(System.nanoTime()).as("bars written before the lock").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Sessions waiting for a lock on {@code ohlcv_1m}: the bar sink's upserts, when it is locked. */
    private static int writersWaitingForTheLock(String dbUrl) throws Exception {
        return (int) count(
                dbUrl,
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                        + " WHERE c.relname = 'ohlcv_1m' AND NOT l.granted");
    }

    private static long count(String dbUrl, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        dbUrl, TestServices.postgres().user(), "");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long timedRead(String dbUrl) throws Exception {
        long t = System.nanoTime();
        BarRows.read(dbUrl);
        return (System.nanoTime() - t) / 1_000_000L;
    }

    /**
     * What happened to checkpoints while the sink was blocked: the barrier waits behind the
     * backlog in the blocked chain, so the checkpoint triggered during the lock completes only
     * after the release (the checkpoint timeout is Flink's default, 10 min), and none fails from
     * the lock on. A trigger refused before the lock (tasks still starting on a loaded machine,
     * seen once in a while) is only logged.
     */
    private static void checkCheckpoints(
            FlinkRest rest, JobID id, long lockedAtMillis, long releasedAtMillis, long failedBefore) throws Exception {
        // A checkpoint triggered just before this look may still be running: its outcome is part of the check.
        JsonNode cps = FlinkRest.await(
                () -> rest.checkpoints(id.toString()),
                c -> c.path("counts").path("in_progress").asLong() == 0,
                Duration.ofSeconds(60),
                "no checkpoint in progress");
        JsonNode counts = cps.path("counts");
        LOG.info(
                "Checkpoints: {} completed, {} failed ({} before the lock), {} in progress; longest end-to-end {} ms",
                counts.path("completed").asLong(),
                counts.path("failed").asLong(),
                failedBefore,
                counts.path("in_progress").asLong(),
                cps.path("summary").path("end_to_end_duration").path("max").asLong());
        JsonNode failed = cps.path("latest").path("failed");
        if (!failed.isMissingNode() && !failed.isNull()) {
            LOG.info(
                    "Last failed checkpoint {}: {} ms after the lock was taken: {}",
                    failed.path("id").asLong(),
                    failed.path("failure_timestamp").asLong() - lockedAtMillis,
                    failed.path("failure_message").asText());
        }
        assertThat(counts.path("failed").asLong())
                .as("no checkpoint failed from the lock on")
                .isEqualTo(failedBefore);
        boolean waitedForTheRelease = false;
        for (JsonNode h : cps.path("history")) {
            long triggered = h.path("trigger_timestamp").asLong();
            long took = h.path("end_to_end_duration").asLong();
            LOG.info(
                    "Checkpoint {}: triggered {} ms after the lock was taken, {} after {} ms, {} of {} subtasks"
                            + " acknowledged, {} bytes",
                    h.path("id").asLong(),
                    triggered - lockedAtMillis,
                    h.path("status").asText(),
                    took,
                    h.path("num_acknowledged_subtasks").asLong(),
                    h.path("num_subtasks").asLong(),
                    h.path("checkpointed_size").asLong());
            assertThat(h.path("status").asText())
                    .as("checkpoint %s", h.path("id").asLong())
                    .isEqualTo("COMPLETED");
            waitedForTheRelease |=
                    triggered > lockedAtMillis && triggered < releasedAtMillis && triggered + took >= releasedAtMillis;
        }
        assertThat(waitedForTheRelease)
                .as("a checkpoint triggered during the lock completed after the release")
                .isTrue();
    }

    /**
     * Samples, every 100 ms, how many records the trades source has read (its operator's
     * {@code numRecordsIn}, counted by the reader as it emits: every record, valid or not) and
     * where the topic ends; keeps the longest time the count stood still while records were
     * waiting in the topic, the largest lag, and the source task's backpressure.
     */
    static final class ReadingMonitor implements AutoCloseable {
        private final JobID job;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<TopicPartition> partitions = new ArrayList<>();
        private final Thread thread;
        private volatile boolean closed;
        private volatile long lockedAt = Long.MAX_VALUE;
        private volatile long releasedAt = Long.MAX_VALUE;
        private volatile long read;
        private volatile long end;
        volatile long maxLag;
        private volatile long longestStallInLock;
        private Map<Integer, Long> atLock = Map.of();
        private Map<Integer, Long> atRelease = Map.of();
        volatile long backlogAtRelease;
        private volatile long endAtRelease = Long.MAX_VALUE;
        private volatile long backlogReadAt;

        ReadingMonitor(JobID job, String topic) {
            this.job = job;
            this.consumer = new KafkaConsumer<>(TestServices.kafka().consumerProps(TestServices.unique("monitor")));
            for (int p = 0; p < FaultTape.TRADE_PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            thread = new Thread(this::run, "slow-sink-monitor");
            thread.setDaemon(true);
            thread.start();
        }

        void markLock(long nanos) {
            atLock = accumulatedBackpressure(job);
            lockedAt = nanos;
        }

        void markRelease(long nanos) {
            atRelease = accumulatedBackpressure(job);
            backlogAtRelease = end - read;
            endAtRelease = end;
            releasedAt = nanos;
        }

        /** Waits until the source has read what was in the topic at the release; returns when (System.nanoTime). */
        long awaitBacklogRead(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (backlogReadAt == 0) {
                assertThat(System.nanoTime())
                        .as("the backlog is read: %s of %s", read, endAtRelease)
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            return backlogReadAt;
        }

        /** Milliseconds. */
        long longestStallDuringLock() {
            return longestStallInLock / 1_000_000L;
        }

        /** Waits until the source has read every record in the topic; returns when (System.nanoTime). */
        long awaitCaughtUp(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (read < end || end == 0) {
                assertThat(System.nanoTime())
                        .as("the source reads to the end: %s of %s", read, end)
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            return System.nanoTime();
        }

        private void run() {
            long lastRead = -1;
            long since = System.nanoTime();
            while (!closed) {
                try {
                    long now = System.nanoTime();
                    long e = consumer.endOffsets(partitions).values().stream()
                            .mapToLong(Long::longValue)
                            .sum();
                    long r = sourceRecords(job);
                    end = e;
                    read = r;
                    maxLag = Math.max(maxLag, e - r);
                    if (backlogReadAt == 0 && r >= endAtRelease) {
                        backlogReadAt = now;
                    }
                    if (r != lastRead || r >= e) {
                        lastRead = r;
                        since = now;
                    } else if (since < releasedAt && now > lockedAt) {
                        // Only the part of the stall inside the lock counts.
                        long stall = Math.min(now, releasedAt) - Math.max(since, lockedAt);
                        longestStallInLock = Math.max(longestStallInLock, stall);
                    }
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                } catch (RuntimeException ex) {
                    LOG.warn("Monitor sample failed: {}", ex.toString());
                }
            }
        }

        /** The records the trades source's readers have emitted, summed over its subtasks. */
        private static long sourceRecords(JobID id) {
            long total = 0;
            for (OperatorMetricGroup g : REPORTER.findOperatorMetricGroups(id, TRADES_SOURCE)) {
                total += g.getIOMetricGroup().getNumRecordsInCounter().getCount();
            }
            return total;
        }

        /** Each trades source task's accumulated backpressured time, by subtask. */
        private static Map<Integer, Long> accumulatedBackpressure(JobID id) {
            Map<Integer, Long> ms = new java.util.TreeMap<>();
            for (TaskMetricGroup g : REPORTER.findTaskMetricGroups(id, TRADES_SOURCE)) {
                ms.put(g.subtaskIndex(), g.getIOMetricGroup().getAccumulatedBackPressuredTimeMs());
            }
            return ms;
        }

        /** The most any trades source task was backpressured between the lock and its release. */
        long backpressuredDuringLock() {
            long max = 0;
            for (Map.Entry<Integer, Long> e : atRelease.entrySet()) {
                max = Math.max(max, e.getValue() - atLock.getOrDefault(e.getKey(), 0L));
            }
            return max;
        }

        @Override
        public void close() throws Exception {
            closed = true;
            thread.join(5_000);
            consumer.close();
        }
    }
}
