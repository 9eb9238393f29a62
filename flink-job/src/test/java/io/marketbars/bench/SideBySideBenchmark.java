package io.marketbars.bench;

import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.util.ParameterTool;

/**
 * The job side by side with what a user would pick instead, on one generated topic per workload and
 * in one JVM, one contender after the other: the single-thread baseline, the job at parallelism 1
 * and 2, the same bars in Flink SQL (windowing TVF, JDBC upsert sink), and COPY of the raw ticks
 * plus SQL aggregation. Every contender writes {@code ohlcv_1m} from empty and must produce exactly
 * the baseline's rows (compared with EXCEPT both ways), the generator's bar count and every tick
 * in a bar; a wrong result throws. Each Flink run is recorded with JFR; docs/benchmarks.md.
 */
public final class SideBySideBenchmark {
    /** A workload of the issue: ticks, symbols and the event-time span that gives its bar count. */
    private record Workload(String name, int ticks, int symbols, int minutes) {}

    /**
     * One contender's time to complete results; for Flink runs also the fixed start and the wait
     * for the final checkpoint that follows, see {@link #flink}.
     */
    private record Timing(String contender, double seconds, double fixedStart, double finish) {
        Timing(String contender, double seconds) {
            this(contender, seconds, 0, 0);
        }
    }

    /**
     * A Flink run: seconds from execute until every bar is in the table ({@code complete}), until
     * execute returned ({@code wall}: after the final checkpoint, see {@link ResultsComplete}), and
     * the job's net runtime (the JobManager's view).
     */
    private record Run(double complete, double wall, double net) {
        /** The wait for the final checkpoint after the last bar was written. */
        double finish() {
            return wall - complete;
        }
    }

    private static final List<Workload> WORKLOADS =
            List.of(new Workload("tick-heavy", 2_000_000, 1_000, 4), new Workload("bar-heavy", 2_000_000, 100_000, 1));

    /** Runs of job p2 per checkpoint interval for what checkpoints cost. */
    private static final int CHECKPOINT_RUNS = 3;

    private static final String BAR_COLUMNS = "symbol, bucket, open, high, low, close, volume, turnover, vwap,"
            + " trade_count, buy_volume, sell_volume, first_trade_at, last_trade_at";

    private static final long START = Instant.parse("2024-12-02T02:00:00Z").toEpochMilli();

    private SideBySideBenchmark() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        String which = p.get("workload", "both");
        int partitions = p.getInt("partitions", 4);
        int ticksOverride = p.getInt("ticks", 0);
        Path profiles = Path.of(p.get("profile-dir", "target/side-by-side"));
        Files.createDirectories(profiles);
        List<Workload> workloads = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            if (which.equals("both") || which.equals(w.name())) {
                workloads.add(ticksOverride > 0 ? new Workload(w.name(), ticksOverride, w.symbols(), w.minutes()) : w);
            }
        }
        if (workloads.isEmpty()) {
            throw new IllegalArgumentException("--workload must be tick-heavy, bar-heavy or both");
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
            kafka.createTopic("bars-dead-letter", 1);
            postgres.createDatabase("bars");
            Bench b = new Bench(kafka, postgres.jdbcUrl("bars"), postgres.user());
            Migrations.migrate(b.dbUrl, b.dbUser, "");
            CopyAndAggregate.prepare(b.dbUrl);

            // The fixed start: the same runs on a topic holding a single tick.
            kafka.createTopic("one-tick", partitions);
            TickGenerator.exact().produce(kafka, "one-tick", 1, 1, partitions, START, 60_000L);
            // Once untimed first: class loading and the JIT's first pass belong to no contender.
            b.job("one-tick", 1, 1, 1, null, false);
            b.sql("one-tick", 1, 1, 1, null, false);
            Run oneP1 = b.job("one-tick", 1, 1, 1, null, false);
            Run oneP2 = b.job("one-tick", 1, 1, 2, null, false);
            Run oneSql = b.sql("one-tick", 1, 1, 2, null, false);
            System.out.printf(
                    "The fixed start (from execute until a topic of one tick has its bar in the table, local cluster"
                            + " start included): job p1 %.2f s, job p2 %.2f s, Flink SQL p2 %.2f s"
                            + " (of it, the jobs' own net runtime until they finished: %.2f s, %.2f s, %.2f s)%n",
                    oneP1.complete(), oneP2.complete(), oneSql.complete(), oneP1.net(), oneP2.net(), oneSql.net());

            for (Workload w : workloads) {
                String topic = "ticks-" + w.name();
                kafka.createTopic(topic, partitions);
                long t0 = System.nanoTime();
                TickGenerator.Produced produced = TickGenerator.exact()
                        .produce(kafka, topic, w.ticks(), w.symbols(), partitions, START, w.minutes() * 60_000L);
                System.out.printf(
                        "%n== %s: %,d ticks, %,d symbols, %d min of event time, %d partitions: %,d bars (produced in %.1f s)%n",
                        w.name(),
                        w.ticks(),
                        w.symbols(),
                        w.minutes(),
                        partitions,
                        produced.bars(),
                        (System.nanoTime() - t0) / 1e9);
                long backwards = PlainTicks.outOfTimeOrder(kafka.bootstrapServers(), topic);
                if (backwards != 0) {
                    throw new IllegalStateException(backwards + " ticks arrive before an earlier tick of their symbol");
                }
                List<Timing> timings = new ArrayList<>();
                b.truncate();
                long t = System.nanoTime();
                SingleThreadBaseline.run(kafka.bootstrapServers(), topic, b.dbUrl);
                timings.add(new Timing("single thread (Jackson, HashMap, COPY)", (System.nanoTime() - t) / 1e9));
                b.verify(produced, false);
                b.snapshotExpected();

                // Timed without a recording (JFR's sampling costs the job time); profiled in runs of their own below.
                timings.add(flink("job p1", b.job(topic, produced.ticks(), produced.bars(), 1, null, true), oneP1));
                timings.add(flink("job p2", b.job(topic, produced.ticks(), produced.bars(), 2, null, true), oneP2));
                timings.add(flink(
                        "Flink SQL p2 (TUMBLE TVF, JDBC sink)",
                        b.sql(topic, produced.ticks(), produced.bars(), 2, null, true),
                        oneSql));

                b.truncate();
                CopyAndAggregate.prepare(b.dbUrl);
                t = System.nanoTime();
                CopyAndAggregate.run(kafka.bootstrapServers(), topic, b.dbUrl);
                timings.add(new Timing("COPY ticks + SQL aggregation", (System.nanoTime() - t) / 1e9));
                b.verify(produced, true);
                CopyAndAggregate.prepare(b.dbUrl);

                // What checkpoints cost: job p2 with a checkpoint every 10 s and with five times as many,
                // alternating, three runs of each (one pair of runs differs by more than the cost).
                double[] every10 = new double[CHECKPOINT_RUNS];
                double[] every2 = new double[CHECKPOINT_RUNS];
                for (int i = 0; i < CHECKPOINT_RUNS; i++) {
                    every10[i] = b.job(topic, produced.ticks(), produced.bars(), 2, null, true, "10 s")
                            .complete();
                    every2[i] = b.job(topic, produced.ticks(), produced.bars(), 2, null, true, "2 s")
                            .complete();
                }
                // Where the time goes: the same runs again, each recorded with JFR.
                Path jfr1 = profiles.resolve(w.name() + "-job-p1.jfr");
                b.job(topic, produced.ticks(), produced.bars(), 1, jfr1, true);
                Path jfr2 = profiles.resolve(w.name() + "-job-p2.jfr");
                b.job(topic, produced.ticks(), produced.bars(), 2, jfr2, true);
                Path jfrSql = profiles.resolve(w.name() + "-sql-p2.jfr");
                b.sql(topic, produced.ticks(), produced.bars(), 2, jfrSql, true);

                print(w, produced, timings);
                double median10 = median(every10);
                double extra = Math.max(0, median(every2) - median10);
                System.out.printf(
                        "  checkpoints: job p2 to complete results, %d runs each, alternating: with one every 10 s %s"
                                + " (median %.2f s), with one every 2 s %s (median %.2f s); the extra checkpoints (4 in 5)"
                                + " cost %.2f s, so those every 10 s cost about %.2f s, %.1f%% of the run%n",
                        CHECKPOINT_RUNS,
                        seconds(every10),
                        median10,
                        seconds(every2),
                        median(every2),
                        extra,
                        extra / 4,
                        100 * (extra / 4) / median10);
                for (Path jfr : List.of(jfr1, jfr2, jfrSql)) {
                    System.out.println("  profile " + jfr + ":");
                    JfrSummary.print(jfr, 12);
                }
            }

            // The sink on its own against COPY of the same bar rows into the same table (see SinkThroughput).
            int sinkRows = p.getInt("sink-rows", 1_000_000);
            if (sinkRows > 0) {
                SinkThroughput.Result sink = SinkThroughput.measure(b.dbUrl, b.dbUser, sinkRows, 2);
                System.out.printf(
                        "%nsink against COPY, %,d bar rows into ohlcv_1m: COPY %,.0f rows/s, the job's upsert sink at p2"
                                + " %,.0f rows/s: %.2fx%n",
                        sinkRows, sink.copyRowsPerSecond(), sink.sinkRowsPerSecond(), sink.ratio());
            }
        }
        System.exit(0);
    }

    /**
     * A Flink run's timing: its time to complete results; its fixed start is the same job's time to
     * complete results on a topic of one tick (local cluster start, submission, deployment, source
     * enumeration, the sinks' connections, one tick through); and the wait for the final checkpoint
     * after the last bar, which is reported apart.
     */
    private static Timing flink(String contender, Run run, Run oneTick) {
        return new Timing(contender, run.complete(), oneTick.complete(), run.finish());
    }

    private static void print(Workload w, TickGenerator.Produced produced, List<Timing> timings) {
        double base = timings.get(0).seconds();
        System.out.printf(
                "%n%s (%,d ticks, %,d symbols, %,d bars)%n", w.name(), produced.ticks(), w.symbols(), produced.bars());
        System.out.printf(
                "  %-40s %9s %11s %11s %13s %18s %16s%n",
                "contender",
                "results",
                "ticks/s",
                "vs 1 thread",
                "without start",
                "vs 1 thread (w/o)",
                "then final ckpt");
        for (Timing t : timings) {
            double net = t.seconds() - t.fixedStart();
            boolean flink = t.fixedStart() > 0;
            System.out.printf(
                    "  %-40s %8.2fs %,11.0f %10.2fx %13s %18s %16s%n",
                    t.contender(),
                    t.seconds(),
                    produced.ticks() / t.seconds(),
                    base / t.seconds(),
                    flink ? String.format("%.2fs", net) : "",
                    flink ? String.format("%.2fx", base / net) : "",
                    flink ? String.format("+%.2fs", t.finish()) : "");
        }
        Timing jobP2 = timings.get(2);
        Timing sql = timings.get(3);
        System.out.printf(
                "  job p2 vs Flink SQL p2: %.2fx (results), %.2fx (without their fixed starts)%n",
                sql.seconds() / jobP2.seconds(),
                (sql.seconds() - sql.fixedStart()) / (jobP2.seconds() - jobP2.fixedStart()));
    }

    /** The services and what every contender's run needs. */
    private static final class Bench {
        final EmbeddedKafka kafka;
        final String dbUrl;
        final String dbUser;

        Bench(EmbeddedKafka kafka, String dbUrl, String dbUser) {
            this.kafka = kafka;
            this.dbUrl = dbUrl;
            this.dbUser = dbUser;
        }

        /** The real job in replay mode into an emptied table, verified. */
        Run job(String topic, long ticks, long bars, int parallelism, Path jfr, boolean compare) throws Exception {
            return job(topic, ticks, bars, parallelism, jfr, compare, "10 s");
        }

        /** The same with another checkpoint interval. */
        Run job(
                String topic,
                long ticks,
                long bars,
                int parallelism,
                Path jfr,
                boolean compare,
                String checkpointInterval)
                throws Exception {
            truncate();
            var env = ReplayJob.replay(
                    kafka.bootstrapServers(), dbUrl, dbUser, topic, parallelism, "5000", checkpointInterval);
            TickGenerator.Produced expected = new TickGenerator.Produced(ticks, bars);
            long t = System.nanoTime();
            JobExecutionResult result;
            double complete;
            try (ResultsComplete results = ResultsComplete.watch(dbUrl, expected)) {
                result = jfr == null
                        ? env.execute("side-by-side " + topic)
                        : JfrSummary.record(jfr, () -> env.execute("side-by-side " + topic));
                complete = results.seconds();
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            System.out.printf(
                    "  job p%d on %s: results complete after %.2f s, finished after %.2f s, %.2f s net runtime%n",
                    parallelism, topic, complete, seconds, result.getNetRuntime() / 1e3);
            verify(expected, compare);
            return new Run(complete, seconds, result.getNetRuntime() / 1e3);
        }

        /** The Flink SQL version into an emptied table, verified. */
        Run sql(String topic, long ticks, long bars, int parallelism, Path jfr, boolean compare) throws Exception {
            truncate();
            String checkpoints =
                    Files.createTempDirectory("bench-sql-checkpoints").toUri().toString();
            TickGenerator.Produced expected = new TickGenerator.Produced(ticks, bars);
            long t = System.nanoTime();
            long net;
            double complete;
            try (ResultsComplete results = ResultsComplete.watch(dbUrl, expected)) {
                net = jfr == null
                        ? FlinkSqlBars.run(kafka.bootstrapServers(), topic, dbUrl, parallelism, checkpoints)
                        : JfrSummary.record(
                                jfr,
                                () -> FlinkSqlBars.run(
                                        kafka.bootstrapServers(), topic, dbUrl, parallelism, checkpoints));
                complete = results.seconds();
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            System.out.printf(
                    "  Flink SQL p%d on %s: results complete after %.2f s, finished after %.2f s, %.2f s net runtime%n",
                    parallelism, topic, complete, seconds, net / 1e3);
            verify(expected, compare);
            return new Run(complete, seconds, net / 1e3);
        }

        void truncate() throws Exception {
            exec("TRUNCATE ohlcv_1m");
        }

        void snapshotExpected() throws Exception {
            exec("DROP TABLE IF EXISTS ohlcv_expected");
            exec("CREATE TABLE ohlcv_expected AS SELECT " + BAR_COLUMNS + " FROM ohlcv_1m");
        }

        /** Bar count and trades against the generator; with {@code compare}, every row against the baseline's. */
        void verify(TickGenerator.Produced expected, boolean compare) throws Exception {
            try (Connection c = DriverManager.getConnection(dbUrl);
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(trade_count), 0) FROM ohlcv_1m")) {
                    rs.next();
                    if (rs.getLong(1) != expected.bars() || rs.getLong(2) != expected.ticks()) {
                        throw new IllegalStateException(String.format(
                                "wrong result: %,d bars with %,d trades, expected %,d bars with %,d trades",
                                rs.getLong(1), rs.getLong(2), expected.bars(), expected.ticks()));
                    }
                }
                if (compare) {
                    String rows = "SELECT " + BAR_COLUMNS + " FROM ";
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ((" + rows + "ohlcv_1m EXCEPT " + rows
                            + "ohlcv_expected) UNION ALL (" + rows + "ohlcv_expected EXCEPT " + rows
                            + "ohlcv_1m)) d")) {
                        rs.next();
                        if (rs.getLong(1) != 0) {
                            long differing = rs.getLong(1);
                            try (ResultSet d = s.executeQuery("(" + rows + "ohlcv_1m EXCEPT " + rows
                                    + "ohlcv_expected) UNION ALL (" + rows + "ohlcv_expected EXCEPT " + rows
                                    + "ohlcv_1m) ORDER BY symbol, bucket LIMIT 6")) {
                                while (d.next()) {
                                    StringBuilder row = new StringBuilder("    ");
                                    for (int i = 1; i <= 14; i++) {
                                        row.append(d.getString(i)).append(' ');
                                    }
                                    System.out.println(row);
                                }
                            }
                            throw new IllegalStateException(
                                    differing + " rows differ from the single-thread baseline's");
                        }
                    }
                }
            }
        }

        private void exec(String sql) throws Exception {
            try (Connection c = DriverManager.getConnection(dbUrl);
                    Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String seconds(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%.2f s", v));
        }
        return sb.toString();
    }
}
