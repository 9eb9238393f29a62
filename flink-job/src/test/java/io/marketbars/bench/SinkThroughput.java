package io.marketbars.bench;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.Uids;
import io.marketbars.records.Bar;
import io.marketbars.schema.Migrations;
import io.marketbars.sinks.BarUpsert;
import io.marketbars.testing.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The JDBC sink against COPY, into the same table ({@code ohlcv_1m}, schema from the migrations):
 * (a) COPY of N bar rows (pgjdbc's CopyManager, text format, one transaction) into the emptied
 * table, timed on the client from the first byte to the commit; (b) the same N rows through the
 * production sink ({@link BarUpsert#sink}, built as the job builds it, through the Flink JDBC
 * connector) in a local Flink job at the given parallelism, into the emptied table again; (c) on
 * request, the sink's previous path: the row-by-row statement with pgjdbc's
 * {@code reWriteBatchedInserts} (the connector's plain sink, no collapsing: the keys are unique).
 *
 * <p>The rows are built before anything is timed, and the Flink job's start is not counted: a
 * statement-level trigger, present only while a sink runs, logs each statement's
 * {@code statement_timestamp()} and {@code clock_timestamp()} at its end, so the sink's time runs
 * from its first statement's start to its last statement's end (each commits on its own). A small
 * untimed warm-up of both paths comes first. The table is left empty.
 */
public final class SinkThroughput {
    private SinkThroughput() {}

    /** Rows per second of COPY and of the sink, and sink / COPY. */
    public record Result(double copyRowsPerSecond, double sinkRowsPerSecond, double ratio) {}

    /** The bars the local job's source hands out by index (same JVM): built before the job starts. */
    private static volatile Bar[] prebuilt;

    private static final String LOG = "sink_throughput_statements";

    public static Result measure(String dbUrl, String user, int rows, int parallelism) throws Exception {
        return measure(dbUrl, user, rows, parallelism, false, new String[0]).result();
    }

    /** One path's figures: rows per second (wall), and CPU microseconds per row on each side. */
    record Path(double rowsPerSecond, double serverMicrosPerRow, double clientMicrosPerRow) {
        @Override
        public String toString() {
            return String.format(
                    "%,.0f rows/s (CPU per row: server %.1f us, client %.1f us)",
                    rowsPerSecond, serverMicrosPerRow, clientMicrosPerRow);
        }
    }

    /** All three paths (row by row only on request), and the sink job's wall time including its start. */
    record Figures(Path copy, Path sink, Path rowByRow, double sinkJobSeconds) {
        Result result() {
            return new Result(copy.rowsPerSecond(), sink.rowsPerSecond(), sink.rowsPerSecond() / copy.rowsPerSecond());
        }
    }

    static Figures measure(String dbUrl, String user, int rows, int parallelism, boolean rowByRow, String[] jobArgs)
            throws Exception {
        if (!tableExists(dbUrl, user)) {
            Migrations.migrate(dbUrl, user, "");
        }
        JobOptions options = options(dbUrl, user, parallelism, jobArgs);
        Bar[] warmUp = bars(Math.min(20_000, Math.max(1, rows / 10)));
        Bar[] bars = bars(rows);
        try {
            empty(dbUrl, user);
            copy(dbUrl, user, warmUp);
            empty(dbUrl, user);
            sinkSeconds(options, warmUp, false, null);
            empty(dbUrl, user);
            ServerCpu server = ServerCpu.of(dbUrl, user);
            double serverBefore = server.seconds();
            long clientBefore = THREADS.getCurrentThreadCpuTime();
            int children = server.children();
            double copySeconds = copy(dbUrl, user, bars);
            server.awaitChildren(children);
            Path copy = new Path(
                    rows / copySeconds,
                    (server.seconds() - serverBefore) * 1e6 / rows,
                    (THREADS.getCurrentThreadCpuTime() - clientBefore) / 1e3 / rows);
            check(dbUrl, user, bars);
            double[] sink = sinkSeconds(options, bars, false, server);
            check(dbUrl, user, bars);
            double[] old = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
            if (rowByRow) {
                sinkSeconds(options, warmUp, true, server);
                old = sinkSeconds(options, bars, true, server);
                check(dbUrl, user, bars);
            }
            return new Figures(
                    copy,
                    new Path(rows / sink[0], sink[2] * 1e6 / rows, sink[3] * 1e6 / rows),
                    new Path(rows / old[0], old[2] * 1e6 / rows, old[3] * 1e6 / rows),
                    sink[1]);
        } finally {
            prebuilt = null;
            empty(dbUrl, user);
        }
    }

    private static JobOptions options(String dbUrl, String user, int parallelism, String[] jobArgs) {
        List<String> args = new ArrayList<>(
                List.of("--db-url", dbUrl, "--db-user", user, "--parallelism", Integer.toString(parallelism)));
        args.addAll(Arrays.asList(jobArgs));
        return JobOptions.fromArgs(args.toArray(new String[0]), Map.of());
    }

    /** N bars of 1,000 symbols over N / 1,000 minutes, with the scales the job writes. */
    static Bar[] bars(int n) {
        long start = Instant.parse("2024-12-02T02:00:00Z").toEpochMilli();
        Bar[] bars = new Bar[n];
        for (int i = 0; i < n; i++) {
            Bar b = new Bar();
            b.symbol = String.format("S%04d", i % 1_000);
            b.bucketStartMillis = start + (i / 1_000) * 60_000L;
            long cents = 1_000 + (i * 7919L) % 90_000;
            b.open = BigDecimal.valueOf(cents, 2);
            b.high = BigDecimal.valueOf(cents + 35, 2);
            b.low = BigDecimal.valueOf(cents - 20, 2);
            b.close = BigDecimal.valueOf(cents + 5, 2);
            long volume = 100 * (1 + (i * 31L) % 5_000);
            b.volume = BigDecimal.valueOf(volume);
            b.turnover = BigDecimal.valueOf(cents + 7, 2).multiply(b.volume);
            b.vwap = b.turnover.divide(b.volume, Bar.VWAP_SCALE, java.math.RoundingMode.HALF_EVEN);
            b.tradeCount = 1 + i % 900;
            b.buyVolume = BigDecimal.valueOf(volume / 2);
            b.sellVolume = BigDecimal.valueOf(volume / 3);
            b.firstTradeMicros = b.bucketStartMillis * 1000 + 123_456;
            b.lastTradeMicros = b.bucketStartMillis * 1000 + 59_876_543;
            bars[i] = b;
        }
        return bars;
    }

    /** Seconds from the first byte to the commit. */
    private static double copy(String dbUrl, String user, Bar[] bars) throws SQLException, InterruptedException {
        long backend;
        double seconds;
        try (Connection c = DriverManager.getConnection(dbUrl, user, "")) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                backend = rs.getLong(1);
            }
            seconds = copy(c, bars);
        }
        // Its backend gone and reaped, the server's CPU figure includes all of its work.
        java.nio.file.Path proc = java.nio.file.Path.of("/proc/" + backend);
        for (int i = 0; i < 250 && java.nio.file.Files.exists(proc); i++) {
            Thread.sleep(20);
        }
        return seconds;
    }

    private static double copy(Connection c, Bar[] bars) throws SQLException {
        c.setAutoCommit(false);
        CopyManager copy = c.unwrap(BaseConnection.class).getCopyAPI();
        long started = System.nanoTime();
        CopyIn in = copy.copyIn("COPY ohlcv_1m (" + String.join(", ", BarUpsert.UPSERT.columnNames()) + ") FROM STDIN");
        StringBuilder sb = new StringBuilder(1 << 17);
        for (int i = 0; i < bars.length; i++) {
            line(sb, bars[i]);
            if (sb.length() > 1 << 16 || i == bars.length - 1) {
                byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                in.writeToCopy(bytes, 0, bytes.length);
                sb.setLength(0);
            }
        }
        in.endCopy();
        c.commit();
        return (System.nanoTime() - started) / 1e9;
    }

    /** One row in COPY's text format, the same values the sink sends: decimals and instants as text. */
    private static void line(StringBuilder sb, Bar b) {
        sb.append(b.symbol).append('\t').append(Instant.ofEpochMilli(b.bucketStartMillis));
        for (BigDecimal d : new BigDecimal[] {b.open, b.high, b.low, b.close, b.volume, b.turnover, b.vwap}) {
            sb.append('\t').append(d == null ? "\\N" : d.toString());
        }
        sb.append('\t').append(b.tradeCount);
        sb.append('\t').append(b.buyVolume).append('\t').append(b.sellVolume);
        sb.append('\t').append(micros(b.firstTradeMicros)).append('\t').append(micros(b.lastTradeMicros));
        sb.append("\t0\n");
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    /**
     * The bars through a local Flink job: {first statement's start to last statement's end, the job's
     * wall time including its start, the server's CPU, the sink threads' CPU}, in seconds.
     */
    private static double[] sinkSeconds(JobOptions options, Bar[] bars, boolean rowByRow, ServerCpu server)
            throws Exception {
        empty(options.dbUrl, options.dbUser);
        prebuilt = bars;
        exec(options.dbUrl, options.dbUser, "CREATE TABLE " + LOG + " (started timestamptz, ended timestamptz)");
        exec(
                options.dbUrl,
                options.dbUser,
                "CREATE FUNCTION " + LOG + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + LOG
                        + " VALUES (statement_timestamp(), clock_timestamp()); RETURN NULL; END $$");
        exec(
                options.dbUrl,
                options.dbUser,
                "CREATE TRIGGER " + LOG + " AFTER INSERT ON ohlcv_1m FOR EACH STATEMENT EXECUTE FUNCTION " + LOG
                        + "()");
        try {
            Configuration conf = BarsJob.configuration(options);
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, options.parallelism);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            BarsJob.configure(env, options);
            int n = bars.length;
            DataStream<Bar> stream = env.fromSequence(0, n - 1)
                    .name("Bar indexes")
                    .map(i -> prebuilt[(int) (long) i])
                    .returns(TypeInformation.of(Bar.class))
                    .name("Prebuilt bars");
            if (rowByRow) {
                stream.sinkTo(rowByRowSink(options)).uid(Uids.OHLCV_SINK).name("Upsert row by row");
            } else {
                stream.sinkTo(BarUpsert.sink(options)).uid(Uids.OHLCV_SINK).name("Upsert " + BarUpsert.TABLE);
            }
            double serverBefore = server == null ? 0 : server.seconds();
            int children = server == null ? 0 : server.children();
            SinkThreadsCpu client = new SinkThreadsCpu();
            long started = System.nanoTime();
            env.execute("sink throughput");
            double wall = (System.nanoTime() - started) / 1e9;
            double clientCpu = client.stop();
            if (server != null) {
                server.awaitChildren(children); // the sink's backends exit: their CPU moves to the postmaster's
            }
            double serverCpu = server == null ? 0 : server.seconds() - serverBefore;
            try (Connection c = DriverManager.getConnection(options.dbUrl, options.dbUser, "");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT extract(epoch FROM max(ended) - min(started)) FROM " + LOG)) {
                rs.next();
                return new double[] {rs.getDouble(1), wall, serverCpu, clientCpu};
            }
        } finally {
            exec(options.dbUrl, options.dbUser, "DROP TRIGGER " + LOG + " ON ohlcv_1m");
            exec(options.dbUrl, options.dbUser, "DROP FUNCTION " + LOG + "()");
            exec(options.dbUrl, options.dbUser, "DROP TABLE " + LOG);
        }
    }

    /** The sink as it was: one bound row per addBatch(), rewritten by pgjdbc into multi-row INSERTs. */
    private static JdbcSink<Bar> rowByRowSink(JobOptions options) {
        var statement = BarUpsert.UPSERT.statement(options.revisionEpoch);
        return JdbcSink.<Bar>builder()
                .withQueryStatement(BarUpsert.UPSERT.rowByRowSql(), statement::statement)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(options.sinkBatchSize)
                        .withBatchIntervalMs(options.sinkFlushInterval.toMillis())
                        .withMaxRetries(options.sinkMaxRetries)
                        .build())
                .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(options.dbUrl + (options.dbUrl.contains("?") ? "&" : "?")
                                + "reWriteBatchedInserts=true")
                        .withDriverName("org.postgresql.Driver")
                        .withUsername(options.dbUser)
                        .build());
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * CPU seconds of the sink's task threads (named after the sink's chain), sampled every 20 ms: a
     * thread's last sample stands for its total, so up to 20 ms of each thread's end is missed.
     */
    private static final class SinkThreadsCpu {
        private final Map<Long, Long> nanos = new java.util.concurrent.ConcurrentHashMap<>();
        private final Thread sampler;
        private volatile boolean running = true;

        SinkThreadsCpu() {
            sampler = new Thread(
                    () -> {
                        while (running) {
                            for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                                if (t != null && t.getThreadName().contains("Upsert ")) {
                                    long cpu = THREADS.getThreadCpuTime(t.getThreadId());
                                    if (cpu > 0) {
                                        nanos.put(t.getThreadId(), cpu);
                                    }
                                }
                            }
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "sink-cpu-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        double stop() throws InterruptedException {
            running = false;
            sampler.join();
            return nanos.values().stream().mapToLong(Long::longValue).sum() / 1e9;
        }
    }

    /**
     * CPU seconds the PostgreSQL server has used (its postmaster, live children and reaped children,
     * from /proc), when it runs on this machine; 0 otherwise.
     */
    private record ServerCpu(long postmaster) {
        static ServerCpu of(String dbUrl, String user) throws SQLException {
            try (Connection c = DriverManager.getConnection(dbUrl, user, "");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                long[] stat = stat(rs.getLong(1));
                return new ServerCpu(stat == null ? -1 : stat[0]);
            }
        }

        double seconds() throws java.io.IOException {
            if (postmaster < 0) {
                return 0;
            }
            long[] own = stat(postmaster);
            long ticks = own[1] + own[2] + own[3] + own[4];
            for (long[] child : children(postmaster)) {
                ticks += child[1] + child[2];
            }
            return ticks / 100.0; // USER_HZ
        }

        int children() throws java.io.IOException {
            return postmaster < 0 ? 0 : children(postmaster).size();
        }

        /** Waits (up to 5 s) until closed connections' backends are gone and reaped. */
        void awaitChildren(int count) throws java.io.IOException, InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (children() > count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        private static List<long[]> children(long parent) throws java.io.IOException {
            List<long[]> out = new ArrayList<>();
            try (var procs = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
                for (var dir : (Iterable<java.nio.file.Path>) procs::iterator) {
                    String name = dir.getFileName().toString();
                    if (name.chars().allMatch(Character::isDigit)) {
                        long[] child = stat(Long.parseLong(name));
                        if (child != null && child[0] == parent) {
                            out.add(child);
                        }
                    }
                }
            }
            return out;
        }

        /** {ppid, utime, stime, cutime, cstime} in clock ticks, or null if the process is gone. */
        private static long[] stat(long pid) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new long[] {
                    Long.parseLong(f[1]),
                    Long.parseLong(f[11]),
                    Long.parseLong(f[12]),
                    Long.parseLong(f[13]),
                    Long.parseLong(f[14])
                };
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }
    }

    /**
     * Where the server's time per row goes, on one connection (its backend's CPU from /proc): COPY
     * into the table; then, from a temporary copy of the same rows, a plain {@code INSERT .. SELECT};
     * the same with the sink's {@code ON CONFLICT .. DO UPDATE .. WHERE} guard; and the sink's own
     * statement from column arrays (built on the server from the temporary table, untimed).
     */
    static void breakdown(String dbUrl, String user, Bar[] bars) throws Exception {
        empty(dbUrl, user);
        copy(dbUrl, user, bars);
        String columns = String.join(", ", BarUpsert.UPSERT.columnNames());
        String sql = BarUpsert.UPSERT.sql();
        String onConflict = sql.substring(sql.indexOf(" ON CONFLICT"));
        try (Connection c = DriverManager.getConnection(dbUrl, user, "");
                Statement s = c.createStatement()) {
            long pid;
            try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            s.execute("CREATE TEMP TABLE staging AS SELECT " + columns + " FROM ohlcv_1m");
            StringBuilder aggregates = new StringBuilder();
            for (String column : BarUpsert.UPSERT.columnNames()) {
                aggregates.append(aggregates.length() == 0 ? "" : ", ").append("array_agg(" + column + ")::text");
            }
            // The sink's batches: column arrays of 2,000 rows each (its default batch size), built untimed.
            List<List<String>> batches = new ArrayList<>();
            for (int offset = 0; offset < bars.length; offset += 2_000) {
                try (ResultSet rs = s.executeQuery("SELECT " + aggregates + " FROM (SELECT * FROM staging ORDER BY"
                        + " symbol, bucket OFFSET " + offset + " LIMIT 2000) b")) {
                    rs.next();
                    List<String> arrays = new ArrayList<>();
                    for (int i = 1; i <= BarUpsert.UPSERT.columnNames().size(); i++) {
                        arrays.add(rs.getString(i));
                    }
                    batches.add(arrays);
                }
            }
            // The sink's statement, and the same with FROM unnest(a, b, ..) AS u(..) instead of unnest() in the select
            // list.
            List<String> names = BarUpsert.UPSERT.columnNames();
            String fromUnnest = sql.replaceFirst(
                            "SELECT (unnest\\(.*\\[\\]\\)) ON CONFLICT",
                            "SELECT * FROM unnest($1) AS u(" + String.join(", ", names) + ") ON CONFLICT")
                    .replace("unnest(?::", "?::")
                    .replace("[]),", "[],")
                    .replace("[])) AS u", "[]) AS u");
            String[] labels = {
                "INSERT .. SELECT from a table",
                "the same with ON CONFLICT DO UPDATE WHERE guard",
                "the sink's statement, batches of 2,000",
                "the same with FROM unnest(a, b, ..) AS u(..)"
            };
            for (int step = 0; step < labels.length; step++) {
                s.execute("TRUNCATE ohlcv_1m");
                s.execute("CHECKPOINT");
                double before = backendCpu(pid);
                long started = System.nanoTime();
                if (step == 0) {
                    s.execute("INSERT INTO ohlcv_1m (" + columns + ") SELECT * FROM staging");
                } else if (step == 1) {
                    s.execute("INSERT INTO ohlcv_1m (" + columns + ") SELECT * FROM staging" + onConflict);
                } else {
                    try (var ps = c.prepareStatement(step == 2 ? sql : fromUnnest)) {
                        for (List<String> arrays : batches) {
                            for (int i = 0; i < arrays.size(); i++) {
                                ps.setString(i + 1, arrays.get(i));
                            }
                            ps.executeUpdate();
                        }
                    }
                }
                System.out.printf(
                        "  %-50s server CPU %.1f us/row, wall %.1f us/row%n",
                        labels[step],
                        (backendCpu(pid) - before) * 1e6 / bars.length,
                        (System.nanoTime() - started) / 1e3 / bars.length);
                if (step == 3) {
                    System.out.println("  (" + fromUnnest + ")");
                }
            }
        }
        empty(dbUrl, user);
        try (Connection c = DriverManager.getConnection(dbUrl, user, "")) {
            long pid;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            double before = backendCpu(pid);
            long started = System.nanoTime();
            c.setAutoCommit(false);
            CopyIn in =
                    c.unwrap(BaseConnection.class).getCopyAPI().copyIn("COPY ohlcv_1m (" + columns + ") FROM STDIN");
            StringBuilder sb = new StringBuilder();
            for (Bar b : bars) {
                line(sb, b);
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(bytes, 0, bytes.length);
            in.endCopy();
            c.commit();
            System.out.printf(
                    "  %-50s server CPU %.1f us/row, wall %.1f us/row%n",
                    "COPY (text)",
                    (backendCpu(pid) - before) * 1e6 / bars.length,
                    (System.nanoTime() - started) / 1e3 / bars.length);
        }
        empty(dbUrl, user);
    }

    private static double backendCpu(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static boolean tableExists(String dbUrl, String user) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl, user, "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('ohlcv_1m') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Empties the table and checkpoints, so no phase pays for the previous one's dirty pages. */
    private static void empty(String dbUrl, String user) throws SQLException {
        exec(dbUrl, user, "TRUNCATE ohlcv_1m");
        try {
            exec(dbUrl, user, "CHECKPOINT");
        } catch (SQLException notAllowed) {
            // Only a superuser (or pg_checkpoint) may: the phases then share the checkpointer's work.
        }
    }

    private static void check(String dbUrl, String user, Bar[] bars) throws SQLException {
        long trades = 0;
        for (Bar b : bars) {
            trades += b.tradeCount;
        }
        try (Connection c = DriverManager.getConnection(dbUrl, user, "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), sum(trade_count) FROM ohlcv_1m")) {
            rs.next();
            if (rs.getLong(1) != bars.length || rs.getLong(2) != trades) {
                throw new IllegalStateException("expected " + bars.length + " rows with " + trades + " trades, found "
                        + rs.getLong(1) + " with " + rs.getLong(2));
            }
        }
    }

    private static void exec(String dbUrl, String user, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl, user, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * {@code --rows 200000 --parallelism 2 --runs 3 [--row-by-row] [--sink-batch-size N]}: embedded
     * PostgreSQL (the test suite's settings), prints each run and the medians.
     */
    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        int rows = p.getInt("rows", 200_000);
        int parallelism = p.getInt("parallelism", 2);
        int runs = p.getInt("runs", 3);
        boolean rowByRow = p.has("row-by-row");
        List<String> jobArgs = new ArrayList<>();
        if (p.has("sink-batch-size")) {
            jobArgs.addAll(List.of("--sink-batch-size", p.get("sink-batch-size")));
        }
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (p.has("synchronous-commit")) {
            builder.setting("synchronous_commit", p.get("synchronous-commit"));
        }
        try (EmbeddedPostgres postgres = builder.start()) {
            postgres.createDatabase("bars");
            String dbUrl = postgres.jdbcUrl("bars");
            Migrations.migrate(dbUrl, postgres.user(), "");
            if (p.has("breakdown")) {
                System.out.printf("where the server's time goes, %,d rows:%n", rows);
                breakdown(dbUrl, postgres.user(), bars(rows));
                return;
            }
            List<Figures> all = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                Figures f =
                        measure(dbUrl, postgres.user(), rows, parallelism, rowByRow, jobArgs.toArray(new String[0]));
                all.add(f);
                System.out.printf(
                        "run %d: COPY %s%n       sink %s: %.2fx COPY (job wall incl. start %.1f s)%n",
                        run, f.copy(), f.sink(), f.result().ratio(), f.sinkJobSeconds());
                if (rowByRow) {
                    System.out.printf(
                            "       row by row %s: %.2fx COPY%n",
                            f.rowByRow(),
                            f.rowByRow().rowsPerSecond() / f.copy().rowsPerSecond());
                }
            }
            System.out.printf(
                    "median of %d runs, %,d rows, sink parallelism %d, %s%n  COPY %s%n  sink %s: %.2fx COPY%n",
                    runs,
                    rows,
                    parallelism,
                    jobArgs.isEmpty() ? "default batch size" : String.join(" ", jobArgs),
                    median(all, Figures::copy),
                    median(all, Figures::sink),
                    median(all.stream().mapToDouble(f -> f.result().ratio()).toArray()));
            if (rowByRow) {
                System.out.printf(
                        "  row by row %s: %.2fx COPY%n",
                        median(all, Figures::rowByRow),
                        median(all.stream()
                                .mapToDouble(f ->
                                        f.rowByRow().rowsPerSecond() / f.copy().rowsPerSecond())
                                .toArray()));
            }
        }
    }

    /** Each figure's median on its own. */
    private static Path median(List<Figures> all, java.util.function.Function<Figures, Path> path) {
        return new Path(
                median(all.stream().map(path).mapToDouble(Path::rowsPerSecond).toArray()),
                median(all.stream()
                        .map(path)
                        .mapToDouble(Path::serverMicrosPerRow)
                        .toArray()),
                median(all.stream()
                        .map(path)
                        .mapToDouble(Path::clientMicrosPerRow)
                        .toArray()));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
