package io.marketbars.bench;

import io.marketbars.config.JobOptions;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * Replay throughput: N ticks over S symbols in P partitions of a real local Kafka topic, replayed
 * by the real job (bounded mode, checkpointing on, JDBC upserts into a real PostgreSQL) on a local
 * cluster. Prints ticks/s over the job's wall time and checks the bar count.
 *
 * <p>{@code --mode live}: the same ticks with event times from 10 to 6.7 minutes before now, already
 * in the topic when the job starts in live mode with every other option at its default: a backlog
 * as every start or restore meets one. Waits until every tick is in a bar, then prints the time
 * taken and how many records reached the dead-letter topic (0 is the only right answer).
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
        boolean live = "live".equals(p.get("mode", "replay"));

        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            kafka.createTopic("trades", partitions);
            kafka.createTopic("bars-dead-letter", 1);
            postgres.createDatabase("bars");
            String dbUrl = postgres.jdbcUrl("bars");
            Migrations.migrate(dbUrl, postgres.user(), "");

            long t0 = System.nanoTime();
            long startMillis = live
                    ? System.currentTimeMillis() - 10 * 60_000L
                    : java.time.Instant.parse("2024-12-02T02:00:00Z").toEpochMilli();
            long spanMillis = live ? 200_000L : minutes * 60_000L;
            long expectedBars = TickGenerator.loose()
                    .produce(kafka, "trades", ticks, symbols, partitions, startMillis, spanMillis)
                    .bars();
            System.out.printf(
                    "Produced %,d ticks (%d symbols, %d partitions, %.1f minutes) in %.1f s%n",
                    ticks, symbols, partitions, spanMillis / 60_000.0, (System.nanoTime() - t0) / 1e9);

            StreamExecutionEnvironment env = live
                    ? liveJob(kafka, dbUrl, postgres.user(), parallelism)
                    : ReplayJob.replay(
                            kafka.bootstrapServers(),
                            dbUrl,
                            postgres.user(),
                            "trades",
                            parallelism,
                            p.get("sink-batch-size", "5000"),
                            p.get("checkpoint-interval", "10 s"));

            if (live) {
                liveBacklog(env, kafka, dbUrl, ticks, expectedBars, parallelism);
                System.exit(0);
            }
            long start = System.nanoTime();
            JobExecutionResult result = env.execute("replay-benchmark");
            double seconds = (System.nanoTime() - start) / 1e9;

            new TickGenerator.Produced(ticks, expectedBars).requireIn(dbUrl);
            System.out.printf(
                    "Replay of %,d ticks at parallelism %d: %.2f s wall (job net runtime %.2f s) = %,.0f ticks/s%n",
                    ticks, parallelism, seconds, result.getNetRuntime() / 1e3, ticks / seconds);
        }
        System.exit(0);
    }

    /** The job in live mode with every other option at its default, reading the topic from its start. */
    private static StreamExecutionEnvironment liveJob(EmbeddedKafka kafka, String dbUrl, String dbUser, int parallelism)
            throws Exception {
        String checkpoints = java.nio.file.Files.createTempDirectory("bench-checkpoints")
                .toUri()
                .toString();
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode",
                    "live",
                    "--starting-offsets",
                    "earliest",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--db-url",
                    dbUrl,
                    "--db-user",
                    dbUser,
                    "--parallelism",
                    Integer.toString(parallelism),
                    "--checkpoint-dir",
                    checkpoints,
                },
                Map.of());
        return ReplayJob.local(options, parallelism);
    }

    /** Runs the live job until every tick is in a bar (or 10 minutes pass) and reports the dead letters. */
    private static void liveBacklog(
            StreamExecutionEnvironment env,
            EmbeddedKafka kafka,
            String dbUrl,
            int ticks,
            long expectedBars,
            int parallelism)
            throws Exception {
        long start = System.nanoTime();
        org.apache.flink.core.execution.JobClient job = env.executeAsync("live-backlog-benchmark");
        long bars = 0;
        long trades = 0;
        while (System.nanoTime() - start < 600_000_000_000L && (bars != expectedBars || trades != ticks)) {
            Thread.sleep(1_000);
            try (Connection c = DriverManager.getConnection(dbUrl);
                    ResultSet rs = c.createStatement()
                            .executeQuery("SELECT count(*), coalesce(sum(trade_count), 0) FROM ohlcv_1m")) {
                rs.next();
                bars = rs.getLong(1);
                trades = rs.getLong(2);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Thread.sleep(12_000); // one checkpoint more: dead letters are committed with it
        long deadLetters = 0;
        Properties committed = kafka.consumerProps("bench-dlq");
        committed.put("isolation.level", "read_committed");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(committed)) {
            var tp = java.util.List.of(new org.apache.kafka.common.TopicPartition("bars-dead-letter", 0));
            c.assign(tp);
            c.seekToBeginning(tp);
            long end = c.endOffsets(tp).get(tp.get(0));
            while (c.position(tp.get(0)) < end) {
                deadLetters += c.poll(java.time.Duration.ofMillis(500)).count();
            }
        }
        job.cancel().get();
        System.out.printf(
                "Live start on a backlog of %,d ticks at parallelism %d: %,d of %,d bars, %,d of %,d ticks in bars,"
                        + " %,d records in the dead-letter topic, after %.1f s%n",
                ticks, parallelism, bars, expectedBars, trades, ticks, deadLetters, seconds);
        if (bars != expectedBars || trades != ticks || deadLetters != 0) {
            throw new IllegalStateException("the backlog was not read in event time");
        }
    }
}
