package io.marketbars.bench;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Replay throughput: N ticks over S symbols in P partitions of a real local Kafka topic, replayed
 * by the real job (bounded mode, checkpointing on, JDBC upserts into a real PostgreSQL) on a local
 * cluster. Prints ticks/s over the job's wall time and checks the bar count.
 */
public final class ReplayBenchmark {
    private ReplayBenchmark() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        int ticks = p.getInt("ticks", 2_000_000);
        int symbols = p.getInt("symbols", 1_000);
        int partitions = p.getInt("partitions", 4);
        int parallelism = p.getInt("parallelism", 2);
        int minutes = p.getInt("minutes", 60);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(); EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            kafka.createTopic("trades", partitions);
            kafka.createTopic("bars-dead-letter", 1);
            postgres.createDatabase("bars");
            String dbUrl = postgres.jdbcUrl("bars");
            Migrations.migrate(dbUrl, postgres.user(), "");

            long t0 = System.nanoTime();
            long expectedBars = produce(kafka, ticks, symbols, partitions, minutes);
            System.out.printf("Produced %,d ticks (%d symbols, %d partitions, %d minutes) in %.1f s%n",
                    ticks, symbols, partitions, minutes, (System.nanoTime() - t0) / 1e9);

            JobOptions options = JobOptions.fromArgs(new String[] {
                "--mode", "replay",
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--db-url", dbUrl,
                "--db-user", postgres.user(),
                "--parallelism", Integer.toString(parallelism),
                "--sink-batch-size", p.get("sink-batch-size", "5000"),
                "--checkpoint-interval", p.get("checkpoint-interval", "10 s"),
                "--checkpoint-dir", java.nio.file.Files.createTempDirectory("bench-checkpoints").toUri().toString(),
            }, Map.of());
            Configuration conf = BarsJob.configuration(options);
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            BarsJob.configure(env, options);
            BarsPipeline.define(env, () -> BarsJob.tradesSource(options), BarsJob.productionSinks(options), options);

            long start = System.nanoTime();
            JobExecutionResult result = env.execute("replay-benchmark");
            double seconds = (System.nanoTime() - start) / 1e9;

            long bars;
            try (Connection c = DriverManager.getConnection(dbUrl);
                    ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(trade_count) FROM ohlcv_1m")) {
                rs.next();
                bars = rs.getLong(1);
                long trades = rs.getLong(2);
                System.out.printf("Bars: %,d (expected %,d); trades in bars: %,d (expected %,d)%n", bars, expectedBars, trades, ticks);
                if (bars != expectedBars || trades != ticks) {
                    throw new IllegalStateException("benchmark result is wrong");
                }
            }
            System.out.printf("Replay of %,d ticks at parallelism %d: %.2f s wall (job net runtime %.2f s) = %,.0f ticks/s%n",
                    ticks, parallelism, seconds, result.getNetRuntime() / 1e3, ticks / seconds);
        }
        System.exit(0);
    }

    /** Random-walk ticks in time order per symbol; returns how many (symbol, minute) bars they make. */
    private static long produce(EmbeddedKafka kafka, int ticks, int symbols, int partitions, int minutes) throws Exception {
        Properties props = kafka.producerProps();
        props.put("linger.ms", "20");
        props.put("batch.size", Integer.toString(512 * 1024));
        long start = java.time.Instant.parse("2024-12-02T02:00:00Z").toEpochMilli();
        long spanMillis = minutes * 60_000L;
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
                json.append("{\"symbol\":\"").append(symbol).append("\",\"ts\":").append(ts)
                        .append(",\"price\":\"").append(BigDecimal.valueOf(cents[s], 2).toPlainString())
                        .append("\",\"qty\":").append(100 * (1 + r.nextInt(20)))
                        .append(",\"seq\":").append(++seq[s])
                        .append(",\"side\":\"").append(r.nextBoolean() ? 'B' : 'S').append("\"}");
                producer.send(new ProducerRecord<>("trades", s % partitions, symbol.getBytes(StandardCharsets.UTF_8),
                        json.toString().getBytes(StandardCharsets.UTF_8)));
                bars.add((long) s * 1_000_000L + ts / 60_000L - start / 60_000L);
            }
            producer.flush();
        }
        return bars.size();
    }
}
