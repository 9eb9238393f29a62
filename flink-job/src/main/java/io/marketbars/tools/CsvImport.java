package io.marketbars.tools;

import io.marketbars.sources.KafkaTopics;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
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
 * <p>Rows are checked by the job's own rules ({@link JobRules}: the job's TickParser reads each
 * encoded row), so a backfill fails here rather than in the dead-letter topic: price positive, qty
 * not negative, bid and ask positive, decimals within 20 integer and 18 fraction digits, a valid
 * symbol, no instant before 2000-01-01 (which nearly always means a wrong unit) nor beyond the
 * wall clock plus the job's default max-future-skew. Each tick is written with {@code ts} as {@link Instant#toString()} (UTC, sub-
 * millisecond digits kept) and decimals as exact strings. When the CSV has no {@code seq} (or the
 * cell is empty), seq is the 1-based number of the data row (blank lines not counted), so the job
 * keeps the file's order among trades of the same instant.
 *
 * <p>A row that cannot be parsed is reported on stderr with its line number in the file (the
 * header is line 1) and the reason, and the import exits with {@link #EXIT_REJECTED} at the end;
 * the valid rows are still sent. Extra Kafka client settings (SASL, TLS, ...) come from
 * environment variables such as {@code KAFKA_SASL_JAAS_CONFIG} ({@code sasl.jaas.config}), as
 * values or as the job's config-provider references ({@code ${file:/path:key}}), never from the
 * command line where they would show in {@code ps} and shell history.
 *
 * <p>This class runs the command and the import loop; {@link CsvImportOptions} parses the options,
 * {@link CsvReader} the records, {@link RowParser} a row's fields, {@link CsvTimestamps} its
 * timestamp, {@link TickEncoder} writes the tick JSON and {@link ImportProducer} sets up Kafka.
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
            return String.format(
                    Locale.ROOT,
                    "import-csv: %d rows read, %d sent, %d rejected%s in %.3f s (%,.0f rows/s)",
                    rowsRead,
                    sent,
                    rejected,
                    failed == 0 ? "" : ", " + failed + " failed to send",
                    elapsed.toNanos() / 1e9,
                    rowsPerSecond());
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
        CsvImportOptions cmd;
        try {
            cmd = CsvImportOptions.parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("import-csv: " + e.getMessage());
            err.println(CsvImportOptions.USAGE);
            return EXIT_USAGE;
        }
        if (cmd.help) {
            out.println(CsvImportOptions.USAGE);
            return EXIT_OK;
        }
        try (Reader reader = open(cmd.file, stdin)) {
            Properties props = ImportProducer.producerProperties(cmd.bootstrapServers, env);
            // A missing topic is named at once, as the job names its own (a producer would wait
            // max.block.ms for it to appear); an unreachable broker fails within the same bound.
            try {
                KafkaTopics.requireExist(
                        cmd.bootstrapServers,
                        props,
                        Map.of("--topic", cmd.settings.topic()),
                        KafkaTopics.DEFAULT_TIMEOUT);
            } catch (IllegalStateException e) {
                err.println("import-csv: " + e.getMessage());
                return EXIT_USAGE;
            }
            try (Producer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                // Connects before the first row, so that stays out of the import's rate.
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
        if (file != null
                && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        // Bytes that are not UTF-8 become U+FFFD, which rejects their row (see CsvReader): a
        // strict decoder would fail a whole buffer ahead, without a line number.
        return new InputStreamReader(in, StandardCharsets.UTF_8);
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
    public static Result importCsv(Reader in, Producer<byte[], byte[]> producer, Settings settings, PrintStream errors)
            throws IOException {
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
                producer.send(new ProducerRecord<>(settings.topic(), key, row.value), onAck);
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
            errors.println(
                    "import-csv: stopped after line " + csv.recordLine() + ": sending to Kafka failed: " + failure);
        }
        return new Result(rowsRead, sent.sum(), rejected, failed.sum(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The next record; on a read error (a corrupt gzip, say), what was sent is flushed first. */
    private static boolean nextRow(CsvReader csv, Producer<byte[], byte[]> producer) throws IOException {
        try {
            return csv.nextNonBlank();
        } catch (IOException e) {
            producer.flush();
            throw new IOException(
                    "stopped after line " + csv.recordLine() + " (the valid rows up to it were sent): " + e, e);
        }
    }
}
