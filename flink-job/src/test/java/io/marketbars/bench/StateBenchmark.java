package io.marketbars.bench;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Keyed state on a given backend: the real job replays a tape of a given density and, while it
 * runs, every completed checkpoint is measured (its size on disk, full checkpoints) and the heap is
 * read after a full GC. Prints throughput, the largest checkpoint, its size per symbol, and the
 * heap used then. Two workloads: {@code --workload hot}, one symbol at {@code --rate} ticks/s of
 * event time for {@code --seconds}; {@code --workload wide}, {@code --symbols} symbols with
 * {@code --ticks-per-symbol} ticks each over {@code --minutes}. The process holds the local
 * cluster (JobManager and TaskManager) and the Kafka broker, so its heap is an upper bound on the
 * TaskManager's; PostgreSQL runs in a process of its own.
 */
public final class StateBenchmark {
    private StateBenchmark() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        String workload = p.get("workload", "hot");
        String backend = p.get("backend", "rocksdb");
        int parallelism = p.getInt("parallelism", 2);
        boolean hot = workload.equals("hot");
        int symbols = hot ? 1 : p.getInt("symbols", 100_000);
        int partitions = p.getInt("partitions", hot ? 1 : 4);
        long spanMillis = hot ? p.getInt("seconds", 120) * 1_000L : p.getInt("minutes", 5) * 60_000L;
        int ticks = hot
                ? (int) (p.getInt("rate", 2_000) * spanMillis / 1_000L)
                : symbols * p.getInt("ticks-per-symbol", 10);

        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            kafka.createTopic("trades", partitions);
            kafka.createTopic("bars-dead-letter", 1);
            postgres.createDatabase("bars");
            String dbUrl = postgres.jdbcUrl("bars");
            Migrations.migrate(dbUrl, postgres.user(), "");
            long startMillis = java.time.Instant.parse("2024-12-02T02:00:00Z").toEpochMilli();
            long expectedBars = produce(kafka, ticks, symbols, partitions, startMillis, spanMillis);
            System.out.printf(
                    "Workload %s: %,d ticks, %,d symbols, %.1f minutes of event time (%,.0f ticks/s of event time)%n",
                    workload, ticks, symbols, spanMillis / 60_000.0, ticks * 1_000.0 / spanMillis);

            Path checkpoints = Files.createTempDirectory("state-bench-checkpoints");
            JobOptions options = JobOptions.fromArgs(
                    new String[] {
                        "--mode", "replay",
                        "--bootstrap-servers", kafka.bootstrapServers(),
                        "--db-url", dbUrl,
                        "--db-user", postgres.user(),
                        "--parallelism", Integer.toString(parallelism),
                        "--sink-batch-size", "5000",
                        "--checkpoint-interval", p.get("checkpoint-interval", "2 s"),
                        "--checkpoint-dir", checkpoints.toUri().toString(),
                    },
                    Map.of());
            Configuration conf = BarsJob.configuration(options);
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
            conf.set(StateBackendOptions.STATE_BACKEND, backend);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            BarsJob.configure(env, options);
            BarsPipeline.define(env, () -> BarsJob.tradesSource(options), BarsJob.productionSinks(options), options);

            long start = System.nanoTime();
            JobClient job = env.executeAsync("state-benchmark-" + workload + "-" + backend);
            // The local cluster shuts down with the job, so poll the result, not the job's status.
            java.util.concurrent.CompletableFuture<org.apache.flink.api.common.JobExecutionResult> result =
                    job.getJobExecutionResult();
            Set<Path> measured = new HashSet<>();
            long largest = 0;
            long heapAtLargest = 0;
            long largestHeap = 0;
            while (!result.isDone()) {
                Thread.sleep(200);
                for (Path chk : completedCheckpoints(checkpoints)) {
                    if (measured.add(chk)) {
                        long size = sizeOf(chk);
                        long heap = heapAfterGc();
                        largestHeap = Math.max(largestHeap, heap);
                        if (size > largest) {
                            largest = size;
                            heapAtLargest = heap;
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            result.get();

            new TickGenerator.Produced(ticks, expectedBars).requireIn(dbUrl);
            System.out.printf(
                    "Backend %s, parallelism %d: %.2f s wall incl. job start = %,.0f ticks/s%n",
                    backend, parallelism, seconds, ticks / seconds);
            System.out.printf(
                    "Checkpoints measured: %d; largest %,d bytes = %,.0f bytes per symbol%n",
                    measured.size(), largest, largest / (double) symbols);
            System.out.printf(
                    "Heap used after a full GC: %,.1f MiB at the largest checkpoint, %,.1f MiB at most; max heap %,.0f MiB%n",
                    heapAtLargest / 1048576.0,
                    largestHeap / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0);
        }
        System.exit(0);
    }

    /** The checkpoint directories whose metadata is written (complete), with full (not incremental) state. */
    private static Set<Path> completedCheckpoints(Path root) throws IOException {
        Set<Path> done = new HashSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.getFileName().toString().equals("_metadata")).forEach(f -> done.add(f.getParent()));
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
            // a checkpoint was subsumed and deleted while walking: the next poll sees the rest
        }
        return done;
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0L;
                        }
                    })
                    .sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0L; // subsumed meanwhile
        }
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Random-walk ticks in time order per symbol (within half a second); returns the bar count. */
    private static long produce(
            EmbeddedKafka kafka, int ticks, int symbols, int partitions, long start, long spanMillis) throws Exception {
        Properties props = kafka.producerProps();
        props.put("linger.ms", "20");
        props.put("batch.size", Integer.toString(512 * 1024));
        Random r = new Random(42);
        long[] cents = new long[symbols];
        long[] seq = new long[symbols];
        for (int s = 0; s < symbols; s++) {
            cents[s] = 1_000 + r.nextInt(90_000);
        }
        Set<Long> bars = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            StringBuilder json = new StringBuilder(200);
            for (int i = 0; i < ticks; i++) {
                int s = i % symbols;
                long ts = start + (long) i * spanMillis / ticks + r.nextInt(500);
                cents[s] = Math.max(100, cents[s] + r.nextInt(11) - 5);
                String symbol = "SYM" + s;
                json.setLength(0);
                json.append("{\"symbol\":\"")
                        .append(symbol)
                        .append("\",\"ts\":")
                        .append(ts)
                        .append(",\"price\":\"")
                        .append(BigDecimal.valueOf(cents[s], 2).toPlainString())
                        .append("\",\"qty\":")
                        .append(100 * (1 + r.nextInt(20)))
                        .append(",\"seq\":")
                        .append(++seq[s])
                        .append("}");
                producer.send(new ProducerRecord<>(
                        "trades",
                        s % partitions,
                        symbol.getBytes(StandardCharsets.UTF_8),
                        json.toString().getBytes(StandardCharsets.UTF_8)));
                bars.add((long) s * 1_000_000L + ts / 60_000L - start / 60_000L);
            }
            producer.flush();
        }
        return bars.size();
    }
}
