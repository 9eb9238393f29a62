package io.marketbars.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads an exchange's trades CSV dump into the trades topic, so that history is backfilled through
 * the very same job, and the same validation, as live ticks.
 *
 * <p>Usage (the job's main dispatches the {@code import-csv} subcommand to {@link #run}):
 *
 * <pre>
 * import-csv --file trades.csv[.gz] | --file -   [--symbol SYM] [--topic trades]
 *            [--bootstrap-servers localhost:9092] [--time-zone UTC] [--delimiter ,]
 * </pre>
 *
 * <p>The CSV needs a header row. Column names are case-insensitive: {@code ts|timestamp|time},
 * {@code price}, {@code qty|amount|volume} are required; {@code side} (B, S, BUY, SELL; empty =
 * unknown), {@code seq}, {@code symbol}, {@code bid} and {@code ask} are optional, and other columns
 * are ignored. Fields may be quoted as in RFC 4180; a UTF-8 byte order mark is skipped. Every row
 * must have as many fields as the header: a stray unquoted delimiter would otherwise shift a price
 * into the quantity column without anyone noticing.
 *
 * <p>Timestamps are accepted as:
 *
 * <ul>
 *   <li>an epoch number, digits with an optional fraction, whose unit is told by its magnitude:
 *       below 10<sup>11</sup> it is seconds (10<sup>11</sup> s is the year 5138), below
 *       10<sup>14</sup> milliseconds (10<sup>11</sup> ms is 1973-03-03, 10<sup>14</sup> ms the
 *       year 5138), below 10<sup>17</sup> microseconds, else nanoseconds. So {@code 1700000000},
 *       {@code 1700000000.123} and {@code 1700000000123} are all the same instant;
 *   <li>ISO-8601 with an offset ({@code Z}, {@code +07:00}, {@code +0700} or {@code +07}), or a
 *       local date-time taken in {@code --time-zone}; a space may stand for the {@code T}, and up
 *       to nine fraction digits are kept.
 * </ul>
 *
 * <p>Rows are checked by the job's own rules, so a backfill fails here rather than in the
 * dead-letter topic: price positive, qty not negative, bid and ask positive, decimals within 20
 * integer and 18 fraction digits, and no instant before 2000-01-01 (which nearly always means a
 * wrong unit). Each tick is written with {@code ts} as {@link Instant#toString()} (UTC, sub-
 * millisecond digits kept) and decimals as exact strings. When the CSV has no {@code seq} (or the
 * cell is empty), seq is the 1-based number of the data row (blank lines not counted), so the job
 * keeps the file's order among trades of the same instant.
 *
 * <p>A row that cannot be parsed is reported on stderr with its line number in the file (the
 * header is line 1) and the reason, and the import exits with {@link #EXIT_REJECTED} at the end;
 * the valid rows are still sent. Extra Kafka client settings (SASL, TLS, ...) come from
 * environment variables such as {@code KAFKA_SASL_JAAS_CONFIG} ({@code sasl.jaas.config}), never
 * from the command line where they would show in {@code ps} and shell history.
 */
public final class CsvImport {
    private static final Logger LOG = LoggerFactory.getLogger(CsvImport.class);

    public static final String DEFAULT_TOPIC = "trades";
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    /** Every row sent. */
    public static final int EXIT_OK = 0;
    /** Some rows were rejected or could not be sent; the others were sent. */
    public static final int EXIT_REJECTED = 1;
    /**
     * Bad options, unreachable topic, unreadable input or unusable header: nothing was sent (or,
     * when the input fails mid-way, the rows before that point).
     */
    public static final int EXIT_USAGE = 2;

    static final String ENV_PREFIX = "KAFKA_";

    private static final Set<String> NOT_FROM_ENV = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

    static final String USAGE = String.join("\n",
            "Usage: import-csv --file PATH|- [--symbol SYM] [--topic " + DEFAULT_TOPIC + "]",
            "                  [--bootstrap-servers " + DEFAULT_BOOTSTRAP_SERVERS + "] [--time-zone UTC]"
                    + " [--delimiter ,]",
            "  --file PATH       CSV (or .csv.gz) with a header row; '-' reads stdin",
            "  --symbol SYM      symbol for a CSV without a symbol column (or with empty cells)",
            "  --time-zone ZONE  zone of ISO timestamps without offset, e.g. Asia/Ho_Chi_Minh or UTC+07:00",
            "  --delimiter C     one character, or 'tab'",
            "Kafka client settings such as SASL come from KAFKA_* environment variables,",
            "e.g. KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_JAAS_CONFIG=... (sasl.jaas.config).");

    /** What ParameterTool stores for an option given without a value. */
    private static final String NO_VALUE = "__NO_VALUE_KEY";

    /** 2000-01-01T00:00:00Z, the job's own lower bound for event time. */
    private static final long MIN_EPOCH_SECOND = 946_684_800L;

    private static final JsonFactory JSON = new JsonFactory();

    private CsvImport() {}

    /** What the core import needs besides its input and producer. */
    public record Settings(String topic, String defaultSymbol, ZoneId timeZone, char delimiter) {
        public Settings {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be empty");
            }
            if (timeZone == null) {
                throw new IllegalArgumentException("timeZone must not be null");
            }
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                throw new IllegalArgumentException("delimiter cannot be a quote or a line break");
            }
            defaultSymbol = defaultSymbol == null || defaultSymbol.isBlank() ? null : defaultSymbol.trim();
        }

        /** Topic {@value #DEFAULT_TOPIC}, no default symbol, UTC, comma. */
        public static Settings defaults() {
            return new Settings(DEFAULT_TOPIC, null, ZoneOffset.UTC, ',');
        }

        public Settings withTopic(String t) {
            return new Settings(t, defaultSymbol, timeZone, delimiter);
        }

        public Settings withDefaultSymbol(String s) {
            return new Settings(topic, s, timeZone, delimiter);
        }

        public Settings withTimeZone(ZoneId z) {
            return new Settings(topic, defaultSymbol, z, delimiter);
        }

        public Settings withDelimiter(char d) {
            return new Settings(topic, defaultSymbol, timeZone, d);
        }
    }

    /**
     * The outcome of one import: {@code rowsRead} data rows (blank lines not counted), of which
     * {@code sent} were acknowledged by Kafka, {@code rejected} failed to parse and {@code failed}
     * could not be sent.
     */
    public record Result(long rowsRead, long sent, long rejected, long failed, Duration elapsed) {
        public double rowsPerSecond() {
            double seconds = elapsed.toNanos() / 1e9;
            return seconds <= 0 ? 0 : rowsRead / seconds;
        }

        public int exitCode() {
            return rejected == 0 && failed == 0 ? EXIT_OK : EXIT_REJECTED;
        }

        public String summary() {
            return String.format(Locale.ROOT,
                    "import-csv: %d rows read, %d sent, %d rejected%s in %.3f s (%,.0f rows/s)",
                    rowsRead, sent, rejected, failed == 0 ? "" : ", " + failed + " failed to send",
                    elapsed.toNanos() / 1e9, rowsPerSecond());
        }
    }

    /** A problem with the input as a whole (not one row): nothing can be imported. */
    public static final class CsvFormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CsvFormatException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the import as a command: {@code args} are the options (a leading {@code import-csv} is
     * skipped), Kafka extras come from the environment. Returns {@link #EXIT_OK}, {@link
     * #EXIT_REJECTED} or {@link #EXIT_USAGE}.
     */
    public static int run(String[] args) {
        return run(args, System.getenv(), System.in, System.out, System.err);
    }

    static int run(String[] args, Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        CommandLine cmd;
        try {
            cmd = CommandLine.parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("import-csv: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        if (cmd.help) {
            out.println(USAGE);
            return EXIT_OK;
        }
        try (Reader reader = open(cmd.file, stdin)) {
            Properties props = producerProperties(cmd.bootstrapServers, env);
            try (Producer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                // Connects and checks the topic before the first row: a missing topic or an
                // unreachable broker is reported as such, and stays out of the import's rate.
                try {
                    producer.partitionsFor(cmd.settings.topic());
                } catch (KafkaException e) {
                    err.println("import-csv: topic '" + cmd.settings.topic() + "' not reachable at "
                            + cmd.bootstrapServers + ": " + e.getMessage());
                    return EXIT_USAGE;
                }
                Result result = importCsv(reader, producer, cmd.settings, err);
                out.println(result.summary());
                return result.exitCode();
            }
        } catch (CsvFormatException e) {
            err.println("import-csv: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException | UncheckedIOException e) {
            err.println("import-csv: cannot read " + (cmd.file == null ? "stdin" : cmd.file) + ": " + e);
            return EXIT_USAGE;
        } catch (KafkaException e) {
            // Bad client settings land here; the message names the setting, never its value.
            err.println("import-csv: Kafka producer failed: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    /** Opens the file (gunzipping {@code *.gz}), or stdin for {@code null}, as UTF-8. */
    private static Reader open(Path file, InputStream stdin) throws IOException {
        InputStream in = file == null ? stdin : Files.newInputStream(file);
        in = new BufferedInputStream(in, 1 << 16);
        if (file != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        // Bytes that are not UTF-8 become U+FFFD, which rejects their row (see CsvReader): a
        // strict decoder would fail a whole buffer ahead, without a line number.
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    /**
     * The producer settings: throughput-oriented batching, lz4 when its codec is on the classpath,
     * idempotent delivery (so a retry cannot duplicate a trade), then the {@code KAFKA_*}
     * environment variables that name a producer setting ({@code KAFKA_SASL_JAAS_CONFIG} →
     * {@code sasl.jaas.config}). Other {@code KAFKA_*} variables, such as {@code KAFKA_HEAP_OPTS}
     * of Kafka's own scripts, are ignored. Values never reach the log.
     */
    static Properties producerProperties(String bootstrapServers, Map<String, String> env) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, lz4Available() ? "lz4" : "none");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "import-csv");
        Set<String> known = ProducerConfig.configNames();
        Set<String> applied = new TreeSet<>();
        Set<String> ignored = new TreeSet<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX) || name.length() == ENV_PREFIX.length()) {
                continue;
            }
            String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            if (NOT_FROM_ENV.contains(key)) {
                continue; // bootstrap servers: the option decides (see CommandLine); serializers: fixed
            }
            if (known.contains(key)) {
                p.put(key, e.getValue());
                applied.add(key);
            } else {
                ignored.add(name);
            }
        }
        if (!applied.isEmpty()) {
            LOG.info("Kafka producer settings from the environment: {}", applied);
        }
        if (!ignored.isEmpty()) {
            LOG.debug("KAFKA_* environment variables that are no producer setting, ignored: {}", ignored);
        }
        return p;
    }

    /** kafka-clients declares lz4-java as a runtime dependency, which a trimmed classpath may lack. */
    static boolean lz4Available() {
        try {
            Class.forName("net.jpountz.lz4.LZ4Factory", false, CsvImport.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Reads the CSV from {@code in} and sends one tick per valid row to {@code producer}, keyed by
     * symbol; rejected rows are reported on {@code errors}. Flushes the producer at the end but
     * neither closes it nor {@code in}. Stops early if Kafka fails a send, since with an
     * idempotent producer every later send fails too.
     *
     * <p>One thread on purpose: parsing on a second thread, overlapped with {@code send}, was
     * slower on a two-core machine, where the JIT compiler threads already compete for the cores.
     *
     * @throws CsvFormatException if the header lacks a required column, or there is no symbol
     * @throws IOException if {@code in} cannot be read
     */
    public static Result importCsv(Reader in, Producer<byte[], byte[]> producer, Settings settings,
            PrintStream errors) throws IOException {
        long start = System.nanoTime();
        CsvReader csv = new CsvReader(in, settings.delimiter());
        if (!csv.nextNonBlank()) {
            throw new CsvFormatException("the input is empty: a header row is required");
        }
        if (csv.error() != null) {
            throw new CsvFormatException("line " + csv.recordLine() + ": header: " + csv.error());
        }
        RowParser rows = new RowParser(csv.fields(), settings);
        for (String ignored : rows.ignoredColumns) {
            LOG.info("Ignoring CSV column '{}'", ignored);
        }

        LongAdder sent = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        Callback onAck = (metadata, e) -> {
            if (e == null) {
                sent.increment();
            } else {
                failed.increment();
                firstFailure.compareAndSet(null, e);
            }
        };
        Map<String, byte[]> keys = new HashMap<>();
        long rowsRead = 0;
        long rejected = 0;
        TickRow row = new TickRow();
        TickEncoder encoder = new TickEncoder();
        while (firstFailure.get() == null && nextRow(csv, producer)) {
            rowsRead++;
            String problem = csv.error() != null ? csv.error() : rows.parse(csv.fields(), rowsRead, row);
            if (problem != null) {
                rejected++;
                errors.println("import-csv: line " + csv.recordLine() + " rejected: " + problem);
                continue;
            }
            byte[] key = keys.computeIfAbsent(row.symbol, s -> s.getBytes(StandardCharsets.UTF_8));
            try {
                producer.send(new ProducerRecord<>(settings.topic(), key, encoder.encode(row)), onAck);
            } catch (KafkaException e) {
                // Synchronous failures: metadata timeout (no broker, no topic), record too large, ...
                failed.increment();
                firstFailure.compareAndSet(null, e);
            }
        }
        try {
            producer.flush();
        } catch (KafkaException e) {
            firstFailure.compareAndSet(null, e);
        }
        Exception failure = firstFailure.get();
        if (failure != null) {
            errors.println("import-csv: stopped after line " + csv.recordLine() + ": sending to Kafka failed: "
                    + failure);
        }
        return new Result(rowsRead, sent.sum(), rejected, failed.sum(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The next record; on a read error (a corrupt gzip, say), what was sent is flushed first. */
    private static boolean nextRow(CsvReader csv, Producer<byte[], byte[]> producer) throws IOException {
        try {
            return csv.nextNonBlank();
        } catch (IOException e) {
            producer.flush();
            throw new IOException("stopped after line " + csv.recordLine()
                    + " (the valid rows up to it were sent): " + e, e);
        }
    }

    /** Parses the command's options; see {@link #USAGE}. */
    static final class CommandLine {
        Path file;
        boolean help;
        String bootstrapServers;
        Settings settings;

        static CommandLine parse(String[] args, Map<String, String> env) {
            List<String> list = new ArrayList<>(Arrays.asList(args));
            if (!list.isEmpty() && list.get(0).equals("import-csv")) {
                list.remove(0);
            }
            // ParameterTool takes a lone "-" for an empty option name and throws, so stdin is
            // picked out before it sees the arguments.
            boolean stdin = false;
            for (int i = 0; i + 1 < list.size(); i++) {
                if ((list.get(i).equals("--file") || list.get(i).equals("-file")) && list.get(i + 1).equals("-")) {
                    list.subList(i, i + 2).clear();
                    stdin = true;
                    break;
                }
            }
            ParameterTool params = ParameterTool.fromArgs(list.toArray(new String[0]));
            CommandLine cmd = new CommandLine();
            if (params.has("help") || params.has("h")) {
                cmd.help = true;
                return cmd;
            }
            String file = value(params, "file");
            if (stdin && file != null) {
                throw new IllegalArgumentException("--file given twice");
            }
            if (!stdin && file == null) {
                throw new IllegalArgumentException("--file is required (use '--file -' for stdin)");
            }
            cmd.file = stdin ? null : Path.of(file);
            String bootstrap = value(params, "bootstrap-servers");
            if (bootstrap == null) {
                // An explicit option wins; then the environment, like every other client setting.
                bootstrap = env.getOrDefault(ENV_PREFIX + "BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS);
            }
            cmd.bootstrapServers = bootstrap;
            String topic = value(params, "topic");
            String symbol = value(params, "symbol");
            String zone = value(params, "time-zone");
            String delimiter = value(params, "delimiter");
            Set<String> unknown = params.getUnrequestedParameters();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown option(s): " + new TreeSet<>(unknown));
            }
            ZoneId timeZone;
            try {
                timeZone = zone == null ? ZoneOffset.UTC : ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("--time-zone: " + e.getMessage());
            }
            cmd.settings = new Settings(topic == null ? DEFAULT_TOPIC : topic, symbol, timeZone,
                    delimiter == null ? ',' : delimiter(delimiter));
            return cmd;
        }

        private static String value(ParameterTool params, String name) {
            if (!params.has(name)) {
                return null;
            }
            String v = params.get(name);
            if (v == null || NO_VALUE.equals(v) || v.isEmpty()) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            return v;
        }

        private static char delimiter(String d) {
            if (d.equalsIgnoreCase("tab") || d.equals("\\t")) {
                return '\t';
            }
            if (d.length() != 1) {
                throw new IllegalArgumentException("--delimiter must be one character or 'tab', not '" + d + "'");
            }
            return d.charAt(0);
        }
    }

    /** The columns the importer understands; each may be given under any of its names. */
    private enum Column {
        TS("ts", "timestamp", "time"),
        PRICE("price"),
        QTY("qty", "amount", "volume"),
        SIDE("side"),
        SEQ("seq"),
        SYMBOL("symbol"),
        BID("bid"),
        ASK("ask");

        final List<String> names;

        Column(String... names) {
            this.names = List.of(names);
        }

        static Column byName(String header) {
            for (Column c : values()) {
                if (c.names.contains(header)) {
                    return c;
                }
            }
            return null;
        }
    }

    /** One valid row, reused across rows because the import is a tight loop. */
    static final class TickRow {
        String symbol;
        Instant ts;
        BigDecimal price;
        BigDecimal qty;
        long seq;
        String side;
        BigDecimal bid;
        BigDecimal ask;
    }

    /**
     * Writes rows in the tick JSON contract through one long-lived generator: a generator per row,
     * and {@link Instant#toString()}'s formatter, were most of the per-row cost of a short import
     * on a cold JVM.
     */
    static final class TickEncoder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        private final JsonGenerator g;
        private final StringBuilder time = new StringBuilder(32);

        TickEncoder() {
            try {
                g = JSON.createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Each row is its own document: no separator between them.
            g.setRootValueSeparator(null);
        }

        byte[] encode(TickRow row) {
            out.reset();
            try {
                g.writeStartObject();
                g.writeStringField("symbol", row.symbol);
                g.writeStringField("ts", utc(row.ts));
                g.writeStringField("price", row.price.toPlainString());
                g.writeStringField("qty", row.qty.toPlainString());
                g.writeNumberField("seq", row.seq);
                if (row.side != null) {
                    g.writeStringField("side", row.side);
                }
                if (row.bid != null) {
                    g.writeStringField("bid", row.bid.toPlainString());
                }
                if (row.ask != null) {
                    g.writeStringField("ask", row.ask.toPlainString());
                }
                g.writeEndObject();
                g.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }

        /** Exactly {@link Instant#toString()} (fraction in groups of 3 digits) for years 1000-9999. */
        String utc(Instant t) {
            LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
            if (d.getYear() < 1000 || d.getYear() > 9999) {
                return t.toString();
            }
            StringBuilder b = time;
            b.setLength(0);
            b.append(d.getYear()).append('-');
            two(b, d.getMonthValue()).append('-');
            two(b, d.getDayOfMonth()).append('T');
            two(b, d.getHour()).append(':');
            two(b, d.getMinute()).append(':');
            two(b, d.getSecond());
            int nano = t.getNano();
            if (nano != 0) {
                int digits;
                int value;
                if (nano % 1_000_000 == 0) {
                    digits = 3;
                    value = nano / 1_000_000;
                } else if (nano % 1000 == 0) {
                    digits = 6;
                    value = nano / 1000;
                } else {
                    digits = 9;
                    value = nano;
                }
                b.append('.');
                String v = Integer.toString(value);
                for (int i = v.length(); i < digits; i++) {
                    b.append('0');
                }
                b.append(v);
            }
            return b.append('Z').toString();
        }

        private static StringBuilder two(StringBuilder b, int v) {
            return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
        }
    }

    /** Turns the fields of one data row into a {@link TickRow}, or says why it cannot. */
    static final class RowParser {
        private final int width;
        private final int ts;
        private final int price;
        private final int qty;
        private final int side;
        private final int seq;
        private final int symbol;
        private final int bid;
        private final int ask;
        private final String defaultSymbol;
        private final ZoneId zone;
        final List<String> ignoredColumns = new ArrayList<>();

        RowParser(List<String> header, Settings settings) {
            Map<Column, Integer> at = new EnumMap<>(Column.class);
            for (int i = 0; i < header.size(); i++) {
                String name = header.get(i).trim().toLowerCase(Locale.ROOT);
                Column c = Column.byName(name);
                if (c == null) {
                    ignoredColumns.add(header.get(i));
                    continue;
                }
                Integer before = at.putIfAbsent(c, i);
                if (before != null) {
                    throw new CsvFormatException("header: columns '" + header.get(before) + "' and '"
                            + header.get(i) + "' both give the " + c.names.get(0));
                }
            }
            List<String> missing = new ArrayList<>();
            for (Column required : List.of(Column.TS, Column.PRICE, Column.QTY)) {
                if (!at.containsKey(required)) {
                    missing.add(String.join("|", required.names));
                }
            }
            if (!missing.isEmpty()) {
                throw new CsvFormatException("header " + header + " lacks column(s) " + missing);
            }
            if (!at.containsKey(Column.SYMBOL) && settings.defaultSymbol() == null) {
                throw new CsvFormatException("the CSV has no symbol column: give --symbol");
            }
            width = header.size();
            ts = at.get(Column.TS);
            price = at.get(Column.PRICE);
            qty = at.get(Column.QTY);
            side = at.getOrDefault(Column.SIDE, -1);
            seq = at.getOrDefault(Column.SEQ, -1);
            symbol = at.getOrDefault(Column.SYMBOL, -1);
            bid = at.getOrDefault(Column.BID, -1);
            ask = at.getOrDefault(Column.ASK, -1);
            defaultSymbol = settings.defaultSymbol();
            zone = settings.timeZone();
        }

        /** Fills {@code out} and returns null, or returns why the row is rejected. */
        String parse(List<String> f, long dataRow, TickRow out) {
            if (f.size() != width) {
                return "expected " + width + " fields as in the header, found " + f.size();
            }
            String sym = symbol < 0 ? "" : f.get(symbol).trim();
            if (sym.isEmpty()) {
                if (defaultSymbol == null) {
                    return "symbol is empty";
                }
                sym = defaultSymbol;
            }
            out.symbol = sym;
            try {
                out.ts = parseTimestamp(f.get(ts).trim(), zone);
            } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
                return "ts '" + abbreviate(f.get(ts)) + "': " + e.getMessage();
            }
            if (out.ts.getEpochSecond() < MIN_EPOCH_SECOND) {
                return "ts '" + abbreviate(f.get(ts)) + "' is before 2000-01-01 (wrong unit?)";
            }
            try {
                out.price = decimal(f.get(price), "price");
                out.qty = decimal(f.get(qty), "qty");
                out.bid = bid < 0 || f.get(bid).isBlank() ? null : decimal(f.get(bid), "bid");
                out.ask = ask < 0 || f.get(ask).isBlank() ? null : decimal(f.get(ask), "ask");
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
            // The same rules as the job's TickParser, so a backfill fails here and not in the
            // dead-letter topic.
            if (out.price.signum() <= 0) {
                return "price " + out.price.toPlainString() + " is not positive";
            }
            if (out.qty.signum() < 0) {
                return "qty " + out.qty.toPlainString() + " is negative";
            }
            if ((out.bid != null && out.bid.signum() <= 0) || (out.ask != null && out.ask.signum() <= 0)) {
                return "bid/ask must be positive";
            }
            if (side < 0) {
                out.side = null;
            } else {
                String s = f.get(side).trim();
                if (s.isEmpty()) {
                    out.side = null;
                } else if (s.equalsIgnoreCase("B") || s.equalsIgnoreCase("BUY")) {
                    out.side = "B";
                } else if (s.equalsIgnoreCase("S") || s.equalsIgnoreCase("SELL")) {
                    out.side = "S";
                } else {
                    return "side '" + abbreviate(s) + "' is none of B, S, BUY, SELL";
                }
            }
            String sq = seq < 0 ? "" : f.get(seq).trim();
            if (sq.isEmpty()) {
                out.seq = dataRow;
            } else {
                try {
                    out.seq = Long.parseLong(sq);
                } catch (NumberFormatException e) {
                    return "seq '" + abbreviate(sq) + "' is not a 64-bit integer";
                }
            }
            return null;
        }

        private static BigDecimal decimal(String text, String name) {
            String s = text.trim();
            if (s.isEmpty()) {
                throw new IllegalArgumentException(name + " is empty");
            }
            BigDecimal d;
            try {
                d = new BigDecimal(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " '" + abbreviate(s) + "' is not a decimal");
            }
            // The job stores NUMERIC(38, 18) and rejects what does not fit.
            if (d.scale() > 18 || d.precision() - d.scale() > 20) {
                throw new IllegalArgumentException(name + " '" + abbreviate(s)
                        + "' is outside the supported range (20 integer, 18 fraction digits)");
            }
            return d;
        }
    }

    /**
     * Parses an epoch number (unit by magnitude, see the class comment) or an ISO-8601 date-time
     * (local ones in {@code zone}).
     *
     * @throws IllegalArgumentException or {@link DateTimeException} if it is neither
     */
    static Instant parseTimestamp(String s, ZoneId zone) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        char first = s.charAt(0);
        if (first >= '0' && first <= '9' && (s.length() < 5 || s.charAt(4) != '-')) {
            return parseEpoch(s);
        }
        return parseIso(s, zone);
    }

    private static Instant parseEpoch(String s) {
        int dot = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.' && dot < 0 && i > 0 && i < s.length() - 1) {
                dot = i;
            } else if (c < '0' || c > '9') {
                throw new IllegalArgumentException("neither an epoch number nor ISO-8601");
            }
        }
        if (dot < 0 && s.length() <= 18) {
            // The common case, without BigDecimal.
            long v = Long.parseLong(s);
            if (v < 100_000_000_000L) {
                return Instant.ofEpochSecond(v);
            } else if (v < 100_000_000_000_000L) {
                return Instant.ofEpochMilli(v);
            } else if (v < 100_000_000_000_000_000L) {
                return Instant.ofEpochSecond(v / 1_000_000L, (v % 1_000_000L) * 1000L);
            }
            return Instant.ofEpochSecond(v / 1_000_000_000L, v % 1_000_000_000L);
        }
        BigDecimal v = new BigDecimal(s);
        int exponent; // the power of ten that turns the value into seconds
        if (v.compareTo(BigDecimal.valueOf(100_000_000_000L)) < 0) {
            exponent = 0;
        } else if (v.compareTo(BigDecimal.valueOf(100_000_000_000_000L)) < 0) {
            exponent = 3;
        } else if (v.compareTo(BigDecimal.valueOf(100_000_000_000_000_000L)) < 0) {
            exponent = 6;
        } else {
            exponent = 9;
        }
        BigDecimal seconds = v.movePointLeft(exponent);
        if (seconds.compareTo(BigDecimal.valueOf(Instant.MAX.getEpochSecond())) > 0) {
            throw new IllegalArgumentException("out of range");
        }
        BigDecimal whole = seconds.setScale(0, RoundingMode.DOWN);
        BigDecimal nanos;
        try {
            nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("finer than a nanosecond");
        }
        return Instant.ofEpochSecond(whole.longValueExact(), nanos.longValueExact());
    }

    /**
     * {@code yyyy-MM-dd(T| )HH:mm[:ss[.f{1,9}]][ ][Z|±HH[:MM]|±HHMM]}, by hand: DateTimeFormatter
     * with optional sections costs microseconds per row, which is most of the import's budget.
     */
    private static Instant parseIso(String s, ZoneId zone) {
        int n = s.length();
        if (n < 16 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':'
                || "Tt ".indexOf(s.charAt(10)) < 0) {
            throw new IllegalArgumentException("neither an epoch number nor ISO-8601");
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = 0;
        int nano = 0;
        int i = 16;
        if (i < n && s.charAt(i) == ':') {
            second = digits(s, i + 1, i + 3);
            i += 3;
            if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
                int from = ++i;
                while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                    i++;
                }
                int count = i - from;
                if (count == 0 || count > 9) {
                    throw new IllegalArgumentException("1 to 9 fraction digits expected");
                }
                nano = digits(s, from, i);
                for (int k = count; k < 9; k++) {
                    nano *= 10;
                }
            }
        }
        LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nano);
        if (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i == n) {
            // DST gaps move forward and overlaps take the earlier offset, as ZonedDateTime does.
            return local.atZone(zone).toInstant();
        }
        char c = s.charAt(i);
        if ((c == 'Z' || c == 'z') && i + 1 == n) {
            return local.toInstant(ZoneOffset.UTC);
        }
        if (c != '+' && c != '-') {
            throw new IllegalArgumentException("unexpected '" + c + "' where an offset may stand");
        }
        int sign = c == '-' ? -1 : 1;
        int hours = digits(s, i + 1, i + 3);
        int minutes = 0;
        i += 3;
        if (i < n) {
            if (s.charAt(i) == ':') {
                i++;
            }
            minutes = digits(s, i, i + 2);
            i += 2;
        }
        if (i != n) {
            throw new IllegalArgumentException("unexpected text after the offset");
        }
        return local.toInstant(ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes));
    }

    private static int digits(String s, int from, int to) {
        if (to > s.length()) {
            throw new IllegalArgumentException("ends too early");
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("digit expected at position " + (i + 1));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /**
     * An RFC 4180 record reader that knows the line each record starts on, which a general CSV
     * library would not tell. Quoted fields may hold delimiters, doubled quotes and line breaks;
     * a malformed record is returned with {@link #error()} set, and reading goes on at the next
     * line, so one bad row costs one row.
     */
    static final class CsvReader {
        private final Reader in;
        private final char delimiter;
        private final char[] buf = new char[1 << 16];
        private int pos;
        private int limit;
        private boolean started;
        /** The line of the next character to read. */
        private long line = 1;
        private long recordLine;
        private final List<String> fields = new ArrayList<>();
        private final StringBuilder field = new StringBuilder(64);
        private String error;
        /** The decoder's replacement character was seen: the input had bytes that are not UTF-8. */
        private boolean notUtf8;

        CsvReader(Reader in, char delimiter) {
            this.in = in;
            this.delimiter = delimiter;
        }

        List<String> fields() {
            return fields;
        }

        /** The line number (1-based) where the current record starts. */
        long recordLine() {
            return recordLine;
        }

        /** Why the current record is malformed, or null. */
        String error() {
            return error;
        }

        /** Reads the next record that is not an empty or all-blank line; false at the end. */
        boolean nextNonBlank() throws IOException {
            while (next()) {
                if (error != null || fields.size() > 1 || !fields.get(0).isBlank()) {
                    return true;
                }
            }
            return false;
        }

        boolean next() throws IOException {
            fields.clear();
            error = null;
            notUtf8 = false;
            int c = read();
            if (!started) {
                started = true;
                if (c == '\uFEFF') {
                    c = read();
                }
            }
            if (c < 0) {
                return false;
            }
            recordLine = line;
            while (true) {
                field.setLength(0);
                if (c == '"') {
                    while (true) {
                        c = read();
                        if (c < 0) {
                            error = "quoted field not closed before the end of the input";
                            fields.add(field.toString());
                            return true;
                        }
                        if (c == '"') {
                            c = read();
                            if (c != '"') {
                                break;
                            }
                        } else if (c == '\n') {
                            line++;
                        } else if (c == '\uFFFD') {
                            notUtf8 = true;
                        }
                        field.append((char) c);
                    }
                    while (c == ' ' || (c == '\t' && delimiter != '\t')) {
                        c = read();
                    }
                    if (c != delimiter && c != '\n' && c != '\r' && c >= 0) {
                        error = "unexpected '" + (char) c + "' after a closing quote";
                        fields.add(field.toString());
                        skipToEndOfLine(c);
                        return true;
                    }
                } else {
                    while (c != delimiter && c != '\n' && c != '\r' && c >= 0) {
                        if (c == '\uFFFD') {
                            notUtf8 = true;
                        }
                        field.append((char) c);
                        c = read();
                    }
                }
                fields.add(field.toString());
                if (c != delimiter) {
                    endOfLine(c);
                    if (notUtf8) {
                        error = "bytes that are not UTF-8 (is the file in another encoding?)";
                    }
                    return true;
                }
                c = read();
            }
        }

        private void skipToEndOfLine(int c) throws IOException {
            while (c != '\n' && c != '\r' && c >= 0) {
                c = read();
            }
            endOfLine(c);
        }

        /** Consumes the line break {@code c} started: \n, \r\n or a lone \r. */
        private void endOfLine(int c) throws IOException {
            if (c < 0) {
                return;
            }
            line++;
            if (c == '\r') {
                if (pos == limit) {
                    fill();
                }
                if (pos < limit && buf[pos] == '\n') {
                    pos++;
                }
            }
        }

        private int read() throws IOException {
            if (pos == limit && !fill()) {
                return -1;
            }
            return buf[pos++];
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            pos = 0;
            limit = Math.max(n, 0);
            return n > 0;
        }
    }
}
