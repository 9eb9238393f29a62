package io.marketbars.local;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.schema.MigrationSettings;
import io.marketbars.schema.Migrations;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The README's run command: an embedded Kafka broker, an embedded PostgreSQL, a local Flink with
 * its Web UI, the market simulator, and the real job in live mode, printing the newest bars as
 * they land. It lives in the test sources so the production JAR never carries embedded services.
 */
public final class LocalRun {
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        String durationArg = p.get("duration", "0");
        Duration duration = durationArg.matches("\\d+")
                ? Duration.ofSeconds(Long.parseLong(durationArg))
                : TimeUtils.parseDuration(durationArg);
        int uiPort = p.getInt("ui-port", 8081);
        double rate = p.getDouble("rate", MarketSimulator.DEFAULT_TICKS_PER_SECOND);
        int symbols = p.getInt("symbols", MarketSimulator.DEFAULT_SYMBOLS);

        System.out.println("Starting embedded Kafka (KRaft) and PostgreSQL ...");
        // The two services start side by side: neither needs the other.
        CompletableFuture<EmbeddedPostgres> postgresStarting = CompletableFuture.supplyAsync(EmbeddedPostgres::start);
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start();
        } catch (RuntimeException e) {
            postgresStarting.thenAccept(EmbeddedPostgres::close);
            throw e;
        }
        EmbeddedPostgres postgres = postgresStarting.join();
        kafka.createTopic("trades", 4);
        kafka.createTopic("index-values", 1);
        kafka.createTopic("foreign-flow", 2);
        kafka.createTopic("bars-dead-letter", 1);
        postgres.createDatabase("bars");
        String dbUrl = postgres.jdbcUrl("bars");
        // The simulator is the Vietnamese market: the schema's days and the job's in its zone.
        Migrations.migrate(
                dbUrl,
                postgres.user(),
                "",
                MigrationSettings.defaults().with(MigrationSettings.Setting.EXCHANGE_TIME_ZONE, "Asia/Ho_Chi_Minh"));

        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode", "live",
                    "--bootstrap-servers", kafka.bootstrapServers(),
                    "--db-url", dbUrl,
                    "--db-user", postgres.user(),
                    "--checkpoint-interval", p.get("checkpoint-interval", "10 s"),
                    "--checkpoint-dir",
                            java.nio.file.Files.createTempDirectory("local-run-checkpoints")
                                    .toUri()
                                    .toString(),
                    "--out-of-orderness", p.get("out-of-orderness", "2 s"),
                    "--allowed-lateness", p.get("allowed-lateness", "1 min"),
                    "--parallelism", p.get("parallelism", "2"),
                    "--futures", "VN30F*=VN30",
                    "--futures-aliases", "VN30F1M=VN30F+1",
                    "--exchange-time-zone", "Asia/Ho_Chi_Minh",
                },
                Map.of());

        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps());
        MarketSimulator simulator = new MarketSimulator(
                producer,
                options.tradesTopic,
                options.indexTopic,
                options.foreignFlowTopic,
                System.nanoTime(),
                rate,
                symbols,
                MarketSimulator.Faults.DEFAULT);

        Configuration conf = BarsJob.configuration(options);
        conf.set(RestOptions.PORT, uiPort);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        BarsJob.configure(env, options);
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        JobClient job = env.executeAsync("market-bars (local run)");
        simulator.start();

        CountDownLatch stop = new CountDownLatch(1);
        Thread shutdown = new Thread(
                () -> {
                    stop.countDown();
                    stopAll(job, simulator, producer, kafka, postgres);
                },
                "local-run-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        System.out.printf("%nWeb UI: http://localhost:%d  (job %s)%n", uiPort, job.getJobID());
        System.out.printf(
                "Kafka: %s  topics 'trades' (4 partitions), 'index-values', 'foreign-flow', dead letters in 'bars-dead-letter'%n",
                kafka.bootstrapServers());
        System.out.printf("PostgreSQL: %s  tables ohlcv_1m, basis_1m, foreign_flow_1m%n", dbUrl);
        System.out.printf(
                "Simulator: %d symbols, ~%.0f ticks/s. %s%n%n",
                symbols, rate, duration.isZero() ? "Ctrl-C stops." : "Stops after " + duration + ".");

        long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        String lastPrinted = "";
        try (Connection db = DriverManager.getConnection(dbUrl)) {
            while (System.nanoTime() < deadline && !stop.await(5, TimeUnit.SECONDS)) {
                lastPrinted = printNewestBars(db, simulator, lastPrinted);
            }
        }
        if (stop.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(shutdown);
            stopAll(job, simulator, producer, kafka, postgres);
            System.exit(0);
        }
    }

    private static String printNewestBars(Connection db, MarketSimulator simulator, String lastPrinted)
            throws Exception {
        try (Statement st = db.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT symbol, bucket, open, high, low, close, volume, vwap, trade_count,"
                                + " buy_volume, sell_volume FROM ohlcv_1m WHERE bucket = (SELECT max(bucket) FROM ohlcv_1m)"
                                + " ORDER BY symbol LIMIT 12")) {
            StringBuilder out = new StringBuilder();
            String bucket = null;
            while (rs.next()) {
                bucket = CLOCK.format(rs.getTimestamp(2).toInstant());
                out.append(String.format(
                        "  %-8s %s  O %-9s H %-9s L %-9s C %-9s V %-10s VWAP %-14s n=%-4d buy %-8s sell %s%n",
                        rs.getString(1),
                        bucket,
                        rs.getBigDecimal(3).toPlainString(),
                        rs.getBigDecimal(4).toPlainString(),
                        rs.getBigDecimal(5).toPlainString(),
                        rs.getBigDecimal(6).toPlainString(),
                        rs.getBigDecimal(7).toPlainString(),
                        rs.getBigDecimal(8) == null ? "-" : rs.getBigDecimal(8).toPlainString(),
                        rs.getLong(9),
                        rs.getBigDecimal(10).toPlainString(),
                        rs.getBigDecimal(11).toPlainString()));
            }
            long rows;
            try (ResultSet c = st.executeQuery("SELECT count(*) FROM ohlcv_1m")) {
                c.next();
                rows = c.getLong(1);
            }
            String header = String.format(
                    "[%s] ticks sent %d (malformed %d, duplicates %d), bars in ohlcv_1m: %d",
                    CLOCK.format(Instant.now()), simulator.sent(), simulator.malformed(), simulator.duplicates(), rows);
            System.out.println(header);
            if (bucket == null) {
                System.out.println(
                        "  (no bar yet: the first minute closes when its minute ends plus the 2 s out-of-orderness bound)");
            } else if (!bucket.equals(lastPrinted)) {
                System.out.println("  newest minute " + bucket + ":");
                System.out.print(out);
                printNewestBasisAndFlow(st);
                return bucket;
            }
            return lastPrinted;
        }
    }

    private static void printNewestBasisAndFlow(Statement st) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT contract, bucket, basis_open, basis_high, basis_low, basis_close,"
                + " futures_close, index_close, basis_close_bps, joined_count, unjoined_count FROM basis_1m"
                + " ORDER BY bucket DESC, contract LIMIT 1")) {
            while (rs.next()) {
                System.out.printf(
                        "  basis    %-9s %s  O %s H %s L %s C %s  (futures %s - VN30 %s = %s bp) joined %d, unjoined %d%n",
                        rs.getString(1),
                        CLOCK.format(rs.getTimestamp(2).toInstant()),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getLong(10),
                        rs.getLong(11));
            }
        }
        try (ResultSet rs =
                st.executeQuery("SELECT symbol, bucket, buy_qty, sell_qty, net_qty, day_buy_qty, day_sell_qty,"
                        + " net_qty_per_min, reset_count FROM foreign_flow_1m WHERE bucket = (SELECT max(bucket) FROM foreign_flow_1m)"
                        + " ORDER BY abs(net_qty) DESC, symbol LIMIT 5")) {
            while (rs.next()) {
                System.out.printf(
                        "  foreign  %-9s %s  buy %-7s sell %-7s net %-8s day buy %-9s day sell %-9s net/min %s resets %d%n",
                        rs.getString(1),
                        CLOCK.format(rs.getTimestamp(2).toInstant()),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getInt(9));
            }
        }
    }

    private static void stopAll(
            JobClient job,
            MarketSimulator simulator,
            KafkaProducer<byte[], byte[]> producer,
            EmbeddedKafka kafka,
            EmbeddedPostgres postgres) {
        System.out.println("Stopping: simulator, job, Kafka, PostgreSQL ...");
        quietly(simulator::stop);
        quietly(() -> job.cancel().get(30, TimeUnit.SECONDS));
        quietly(producer::close);
        quietly(kafka::close);
        quietly(postgres::close);
        System.out.println("Stopped.");
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            System.err.println("  (while stopping: " + e + ")");
        }
    }
}
