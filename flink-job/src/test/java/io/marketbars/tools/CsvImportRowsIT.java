package io.marketbars.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.TestServices;
import io.marketbars.tools.CsvImport.Result;
import io.marketbars.tools.CsvImport.Settings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV import row by row: timestamps, columns, quoting, bad rows and options, each import sent
 * to a fresh topic of the real broker and read back ({@link CsvImportIT} covers the command).
 */
class CsvImportRowsIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    /** What one import left behind: the result, the records sent and what went to stderr. */
    private record Run(Result result, List<JsonNode> values, List<String> keys, String errors) {
        JsonNode value(int i) {
            return values.get(i);
        }
    }

    /** Imports into a fresh topic of the shared real broker and reads back what arrived. */
    private static Run importCsv(String csv, Settings settings) throws IOException {
        EmbeddedKafka kafka = TestServices.kafka();
        String topic = TestServices.unique("csv_unit");
        kafka.createTopic(topic, 1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Result result;
        try (PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            result = CsvImport.importCsv(new StringReader(csv), producer, settings.withTopic(topic), errors);
        }
        List<JsonNode> values = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consume(kafka, topic, (int) result.sent())) {
            keys.add(new String(r.key(), StandardCharsets.UTF_8));
            values.add(MAPPER.readTree(r.value()));
        }
        return new Run(result, values, keys, err.toString(StandardCharsets.UTF_8));
    }

    private static Run importCsv(String csv) throws IOException {
        return importCsv(csv, Settings.defaults().withDefaultSymbol("FPT"));
    }

    private static Instant ts(String text) {
        return CsvTimestamps.parse(text, ZoneId.of("UTC"));
    }

    @Test
    void epochSecondsWithAndWithoutFraction() {
        assertThat(ts("1700000000")).isEqualTo(Instant.parse("2023-11-14T22:13:20Z"));
        assertThat(ts("1700000000.123")).isEqualTo(Instant.parse("2023-11-14T22:13:20.123Z"));
        assertThat(ts("1700000000.5")).isEqualTo(Instant.parse("2023-11-14T22:13:20.500Z"));
        assertThat(ts("1700000000.123456789")).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456789Z"));
    }

    @Test
    void epochMillisMicrosAndNanos() {
        assertThat(ts("1700000000123")).isEqualTo(Instant.parse("2023-11-14T22:13:20.123Z"));
        assertThat(ts("1700000000123.5")).isEqualTo(Instant.parse("2023-11-14T22:13:20.1235Z"));
        assertThat(ts("1700000000123456")).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456Z"));
        assertThat(ts("1700000000123456789")).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456789Z"));
    }

    @Test
    void unitFollowsTheDocumentedMagnitudeRule() {
        // Below 1e11 it is seconds (the year 5138), from 1e11 on milliseconds.
        assertThat(ts("99999999999")).isEqualTo(Instant.ofEpochSecond(99_999_999_999L));
        assertThat(ts("100000000000")).isEqualTo(Instant.ofEpochMilli(100_000_000_000L));
        assertThat(ts("99999999999999")).isEqualTo(Instant.ofEpochMilli(99_999_999_999_999L));
        assertThat(ts("100000000000000")).isEqualTo(Instant.ofEpochSecond(100_000_000L));
    }

    @Test
    void isoWithOffsetsKeepsSubMillisecondDigits() {
        assertThat(ts("2024-12-02T09:15:00.123+07:00")).isEqualTo(Instant.parse("2024-12-02T02:15:00.123Z"));
        assertThat(ts("2024-12-02T02:15:00Z")).isEqualTo(Instant.parse("2024-12-02T02:15:00Z"));
        assertThat(ts("2024-12-02T09:15:00.123456+0700")).isEqualTo(Instant.parse("2024-12-02T02:15:00.123456Z"));
        assertThat(ts("2024-12-02T09:15:00.123456789+07")).isEqualTo(Instant.parse("2024-12-02T02:15:00.123456789Z"));
        assertThat(ts("2024-12-01T21:15:00-05:00")).isEqualTo(Instant.parse("2024-12-02T02:15:00Z"));
        assertThat(ts("2024-12-02 09:15:00.5 +07:00")).isEqualTo(Instant.parse("2024-12-02T02:15:00.500Z"));
        assertThat(ts("2024-12-02T09:15+07:00")).isEqualTo(Instant.parse("2024-12-02T02:15:00Z"));
    }

    @Test
    void localIsoIsTakenInTheTimeZone() {
        ZoneId hcm = ZoneId.of("Asia/Ho_Chi_Minh");
        assertThat(CsvTimestamps.parse("2024-12-02T09:15:00.000001", hcm))
                .isEqualTo(Instant.parse("2024-12-02T02:15:00.000001Z"));
        assertThat(CsvTimestamps.parse("2024-12-02 09:15:00", hcm)).isEqualTo(Instant.parse("2024-12-02T02:15:00Z"));
        assertThat(ts("2024-12-02 09:15:00")).isEqualTo(Instant.parse("2024-12-02T09:15:00Z"));
    }

    @Test
    void badTimestampsAreRejected() {
        for (String bad : List.of(
                "",
                "abc",
                "2024-13-02T09:15:00Z",
                "2024-12-02T25:00:00Z",
                "2024-12-02",
                "2024-12-02T09:15:00.1234567890Z",
                "2024-12-02T09:15:00+07:00 junk",
                "17000000.0.1",
                "-1700000000",
                "1700000000.1234567891")) {
            assertThatThrownBy(() -> ts(bad))
                    .as(bad)
                    .isInstanceOfAny(IllegalArgumentException.class, java.time.DateTimeException.class);
        }
    }

    @Test
    void utcTimestampsAreWrittenExactlyAsInstantToString() {
        TickEncoder encoder = new TickEncoder();
        java.util.Random random = new java.util.Random(42);
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.parse("2024-12-02T02:15:00Z"),
                Instant.parse("2024-12-02T02:15:00.100Z"),
                Instant.parse("2024-12-02T02:15:00.000100Z"),
                Instant.parse("2024-12-02T02:15:00.000000100Z"),
                Instant.parse("2000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z")));
        for (int i = 0; i < 10_000; i++) {
            long second = 946_684_800L + (long) (random.nextDouble() * 4_000_000_000L);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(second, nano));
        }
        for (Instant t : instants) {
            assertThat(encoder.utc(t)).isEqualTo(t.toString());
        }
    }

    @Test
    void writesTheTickContract() throws IOException {
        Run run = importCsv("ts,price,qty,side,bid,ask\n"
                + "2024-12-02T09:15:00.123456+07:00,1300.50,10,B,1300.4,1300.50\n"
                + "1733105700,  99.9 ,100,,,\n");
        assertThat(run.result().exitCode()).isZero();
        assertThat(run.keys()).containsExactly("FPT", "FPT");
        JsonNode first = run.value(0);
        assertThat(first.get("symbol").asText()).isEqualTo("FPT");
        assertThat(first.get("ts").asText()).isEqualTo("2024-12-02T02:15:00.123456Z");
        // Decimals are strings, exactly as written: the trailing zero stays.
        assertThat(first.get("price").isTextual()).isTrue();
        assertThat(first.get("price").asText()).isEqualTo("1300.50");
        assertThat(first.get("qty").asText()).isEqualTo("10");
        assertThat(first.get("seq").isIntegralNumber()).isTrue();
        assertThat(first.get("side").asText()).isEqualTo("B");
        assertThat(first.get("bid").asText()).isEqualTo("1300.4");
        assertThat(first.get("ask").asText()).isEqualTo("1300.50");
        JsonNode second = run.value(1);
        assertThat(second.get("ts").asText()).isEqualTo("2024-12-02T02:15:00Z");
        assertThat(second.get("price").asText()).isEqualTo("99.9");
        assertThat(second.has("side")).isFalse();
        assertThat(second.has("bid")).isFalse();
        assertThat(second.has("ask")).isFalse();
    }

    @Test
    void columnAliasesAreCaseInsensitive() throws IOException {
        for (String header :
                List.of("Timestamp,PRICE,Volume,Symbol", "time,Price,amount,SYMBOL", " TS , price , QTY , symbol ")) {
            Run run = importCsv(header + "\n1700000000,1.5,200,HPG\n", Settings.defaults());
            assertThat(run.result().sent()).as(header).isEqualTo(1);
            assertThat(run.value(0).get("symbol").asText()).isEqualTo("HPG");
            assertThat(run.value(0).get("qty").asText()).isEqualTo("200");
        }
    }

    @Test
    void sideAcceptsLettersAndWords() throws IOException {
        Run run = importCsv("ts,price,qty,side\n"
                + "1700000000,1,1,b\n1700000000,1,1,BUY\n1700000000,1,1,s\n1700000000,1,1,Sell\n1700000000,1,1,\n");
        assertThat(run.result().exitCode()).isZero();
        assertThat(run.values())
                .extracting(v -> v.has("side") ? v.get("side").asText() : null)
                .containsExactly("B", "B", "S", "S", null);
    }

    @Test
    void quotedFieldsFollowRfc4180() throws IOException {
        Run run = importCsv(
                "symbol,note,ts,price,qty\n"
                        + "\"VN30F2412\",\"a, \"\"quoted\"\" note\nspanning two lines\","
                        + "\"2024-12-02T09:15:00Z\",\"1300.5\",\"3\"\n"
                        + "VNM,\"\",1700000000,63.1,100\n",
                Settings.defaults());
        assertThat(run.result().rejected()).isZero();
        assertThat(run.keys()).containsExactly("VN30F2412", "VNM");
        assertThat(run.value(0).get("price").asText()).isEqualTo("1300.5");
        assertThat(run.value(1).get("seq").asLong()).isEqualTo(2);
    }

    @Test
    void byteOrderMarkAndCrLfAreHandled() throws IOException {
        Run run = importCsv("\uFEFFts,price,qty\r\n1700000000,1.25,100\r\n1700000001,1.30,100\r\n");
        assertThat(run.result().sent()).isEqualTo(2);
        assertThat(run.value(1).get("price").asText()).isEqualTo("1.30");
    }

    @Test
    void otherDelimiters() throws IOException {
        Run run = importCsv(
                "ts;price;qty\n2024-12-02 09:15:00;1300,5;1\n1700000000;1300.5;1\n",
                Settings.defaults().withDefaultSymbol("X").withDelimiter(';'));
        // A decimal comma is not a decimal: rejected, not misread.
        assertThat(run.result().rejected()).isEqualTo(1);
        assertThat(run.result().sent()).isEqualTo(1);
        Run tabs = importCsv(
                "ts\tprice\tqty\n1700000000\t1\t2\n",
                Settings.defaults().withDefaultSymbol("X").withDelimiter('\t'));
        assertThat(tabs.result().sent()).isEqualTo(1);
    }

    @Test
    void seqDefaultsToTheDataRowNumberAndAnExplicitSeqWins() throws IOException {
        Run run = importCsv("ts,price,qty,seq\n"
                + "1700000000,1,1,\n"
                + "\n"
                + "1700000000,1,1,\n"
                + "1700000000,1,1,777\n"
                + "1700000000,1,1,\n");
        assertThat(run.values()).extracting(v -> v.get("seq").asLong()).containsExactly(1L, 2L, 777L, 4L);
        Run noSeqColumn = importCsv("ts,price,qty\n1700000000,1,1\nbad,1,1\n1700000000,1,1\n");
        // The rejected row keeps its number: seqs do not shift when a fixed file is imported again.
        assertThat(noSeqColumn.values()).extracting(v -> v.get("seq").asLong()).containsExactly(1L, 3L);
    }

    @Test
    void symbolColumnFallsBackToTheOption() throws IOException {
        Run run = importCsv(
                "symbol,ts,price,qty\nHPG,1700000000,1,1\n,1700000000,1,1\n",
                Settings.defaults().withDefaultSymbol("VNM"));
        assertThat(run.keys()).containsExactly("HPG", "VNM");
        Run without = importCsv("symbol,ts,price,qty\n,1700000000,1,1\n", Settings.defaults());
        assertThat(without.result().rejected()).isEqualTo(1);
        assertThat(without.errors()).contains("line 2 rejected: symbol is empty");
    }

    @Test
    void badRowsAreReportedWithTheirLineNumbersAndTheRestIsSent() throws IOException {
        Run run = importCsv(
                "ts,price,qty,side,note\n" // line 1
                        + "1700000000,1,1,B,ok\n" // 2
                        + "not-a-time,1,1,B,x\n" // 3
                        + "1700000000,abc,1,B,x\n" // 4
                        + "1700000000,1,-5,B,x\n" // 5
                        + "1700000000,1,1,X,x\n" // 6
                        + "1700000000,1,1,B,\"two\nlines\"\n" // 7-8, valid
                        + "1700000000,1,1,B\n" // 9
                        + "1700000000,1,1,B,\"unclosed\"x\n" // 10
                        + "1700000000,0,1,B,x\n" // 11
                        + "1700000,1,1,B,x\n" // 12
                        + "1700000000,,1,B,x\n" // 13
                        + "1700000000,1,1,B,ok\n"); // 14
        Result r = run.result();
        assertThat(r.rowsRead()).isEqualTo(12);
        assertThat(r.sent()).isEqualTo(3);
        assertThat(r.rejected()).isEqualTo(9);
        assertThat(r.exitCode()).isEqualTo(CsvImport.EXIT_REJECTED);
        assertThat(run.errors().lines()).hasSize(9);
        assertThat(run.errors())
                .contains("line 3 rejected: ts 'not-a-time'")
                .contains("line 4 rejected: price 'abc' is not a decimal")
                .contains("line 5 rejected: qty -5 is negative")
                .contains("line 6 rejected: side 'X'")
                .contains("line 9 rejected: expected 5 fields")
                .contains("line 10 rejected: unexpected 'x' after a closing quote")
                .contains("line 11 rejected: price 0 is not positive")
                .contains("line 12 rejected: ts '1700000' is before 2000-01-01")
                .contains("line 13 rejected: price is empty");
        assertThat(run.values()).extracting(v -> v.get("seq").asLong()).containsExactly(1L, 6L, 12L);
    }

    @Test
    void unclosedQuoteAtTheEndIsRejected() throws IOException {
        Run run = importCsv("ts,price,qty\n1700000000,1,1\n1700000000,\"1,1\n");
        assertThat(run.result().rejected()).isEqualTo(1);
        assertThat(run.errors()).contains("line 3 rejected: quoted field not closed");
    }

    @Test
    void headerProblemsStopTheImportBeforeAnythingIsSent() {
        assertThatThrownBy(() -> importCsv("ts,price\n1700000000,1\n"))
                .isInstanceOf(CsvImport.CsvFormatException.class)
                .hasMessageContaining("qty|amount|volume");
        assertThatThrownBy(() -> importCsv("ts,price,qty\n1,1,1\n", Settings.defaults()))
                .isInstanceOf(CsvImport.CsvFormatException.class)
                .hasMessageContaining("--symbol");
        assertThatThrownBy(() -> importCsv("ts,time,price,qty\n"))
                .isInstanceOf(CsvImport.CsvFormatException.class)
                .hasMessageContaining("'ts' and 'time'");
        assertThatThrownBy(() -> importCsv("\n\n"))
                .isInstanceOf(CsvImport.CsvFormatException.class)
                .hasMessageContaining("header row is required");
    }

    @Test
    void commandLineOptions() {
        CsvImportOptions cmd = CsvImportOptions.parse(
                new String[] {
                    "import-csv",
                    "--file",
                    "-",
                    "--symbol",
                    "FPT",
                    "--delimiter",
                    "tab",
                    "--time-zone",
                    "Asia/Ho_Chi_Minh",
                    "--topic",
                    "t1"
                },
                Map.of());
        assertThat(cmd.file).isNull();
        assertThat(cmd.bootstrapServers).isEqualTo("localhost:9092");
        assertThat(cmd.settings).isEqualTo(new Settings("t1", "FPT", ZoneId.of("Asia/Ho_Chi_Minh"), '\t'));

        cmd = CsvImportOptions.parse(new String[] {"--file", "a.csv"}, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:1"));
        assertThat(cmd.file).isEqualTo(Path.of("a.csv"));
        assertThat(cmd.bootstrapServers).isEqualTo("k:1");
        assertThat(cmd.settings).isEqualTo(Settings.defaults());

        assertThatThrownBy(
                        () -> CsvImportOptions.parse(new String[] {"--file", "a", "--bootstrap-server", "x"}, Map.of()))
                .hasMessageContaining("unknown option(s): [bootstrap-server]");
        assertThatThrownBy(() -> CsvImportOptions.parse(new String[] {"--symbol", "x"}, Map.of()))
                .hasMessageContaining("--file is required");
        assertThatThrownBy(() -> CsvImportOptions.parse(new String[] {"--file", "a", "--delimiter", "ab"}, Map.of()))
                .hasMessageContaining("--delimiter");
        assertThatThrownBy(
                        () -> CsvImportOptions.parse(new String[] {"--file", "a", "--time-zone", "Mars/X"}, Map.of()))
                .hasMessageContaining("--time-zone");
    }

    @Test
    void usageErrorsExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = CsvImport.run(
                new String[] {"--symbol", "X"},
                Map.of(),
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(CsvImport.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--file is required")
                .contains("Usage:");

        code = CsvImport.run(
                new String[] {"--file", dir.resolve("missing.csv").toString(), "--symbol", "X"},
                Map.of(),
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(CsvImport.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.csv");
    }

    @Test
    void kafkaSettingsComeFromTheEnvironment() {
        Properties p = ImportProducer.producerProperties(
                "b:9092",
                Map.of(
                        "KAFKA_SASL_JAAS_CONFIG", "secret-jaas",
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_HEAP_OPTS", "-Xmx1g",
                        "KAFKA_", "x",
                        "KAFKA_BOOTSTRAP_SERVERS", "from-env:9092",
                        "KAFKA_VALUE_SERIALIZER", "x.Y",
                        "PATH", "/bin"));
        assertThat(p)
                .containsEntry("sasl.jaas.config", "secret-jaas")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "b:9092")
                .containsEntry("value.serializer", ByteArraySerializer.class.getName())
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("linger.ms", "20")
                .containsEntry("batch.size", "262144")
                .doesNotContainKey("heap.opts");
        // kafka-clients brings lz4-java; the import must not quietly fall back to no compression.
        assertThat(ImportProducer.lz4Available()).isTrue();
        assertThat(p).containsEntry("compression.type", "lz4");
    }

    /** The whole command against a real broker: the producer settings, keys and values as sent. */
    @Test
    void importsIntoARealBroker() throws Exception {
        String topic = TestServices.unique("csv_import");
        Path file = dir.resolve("trades.csv");
        Files.writeString(
                file,
                "\uFEFFsymbol,Timestamp,Price,Volume,Side,Bid,Ask\n"
                        + "FPT,2024-12-02T09:15:00.123456+07:00,135.50,1000,BUY,135.40,135.50\n"
                        + "HPG,1733105700,26.55,\"2500\",,,\n"
                        + "FPT,oops,1,1,,,\n"
                        + "VNM,1733105700.25,63.10,100,s,,\n"
                        + "FPT,1733105701000,135.60,300,,135.50,135.60\n",
                StandardCharsets.UTF_8);
        EmbeddedKafka kafka = TestServices.kafka();
        kafka.createTopic(topic, 3);
        int code = CsvImport.run(new String[] {
            "import-csv", "--file", file.toString(), "--topic", topic, "--bootstrap-servers", kafka.bootstrapServers()
        });
        // One row is bad: the others are in Kafka all the same, and the exit code says so.
        assertThat(code).isEqualTo(CsvImport.EXIT_REJECTED);

        List<ConsumerRecord<byte[], byte[]>> records = consume(kafka, topic, 4);
        assertThat(records).hasSize(4);
        Map<Long, JsonNode> bySeq = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode v = MAPPER.readTree(r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8))
                    .isEqualTo(v.get("symbol").asText());
            bySeq.put(v.get("seq").asLong(), v);
        }
        assertThat(bySeq).containsOnlyKeys(1L, 2L, 4L, 5L);
        JsonNode fpt = bySeq.get(1L);
        assertThat(fpt.get("symbol").asText()).isEqualTo("FPT");
        assertThat(fpt.get("ts").asText()).isEqualTo("2024-12-02T02:15:00.123456Z");
        assertThat(fpt.get("price").asText()).isEqualTo("135.50");
        assertThat(fpt.get("qty").asText()).isEqualTo("1000");
        assertThat(fpt.get("side").asText()).isEqualTo("B");
        assertThat(fpt.get("bid").asText()).isEqualTo("135.40");
        assertThat(fpt.get("ask").asText()).isEqualTo("135.50");
        assertThat(bySeq.get(2L).get("symbol").asText()).isEqualTo("HPG");
        assertThat(bySeq.get(2L).get("qty").asText()).isEqualTo("2500");
        assertThat(bySeq.get(2L).has("side")).isFalse();
        assertThat(bySeq.get(4L).get("ts").asText()).isEqualTo("2024-12-02T02:15:00.250Z");
        assertThat(bySeq.get(4L).get("side").asText()).isEqualTo("S");
        assertThat(bySeq.get(5L).get("ts").asText()).isEqualTo("2024-12-02T02:15:01Z");
        // Keyed by symbol, so one symbol's ticks share a partition and keep the file's order.
        assertThat(records.stream()
                        .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("FPT"))
                        .map(ConsumerRecord::partition)
                        .distinct())
                .hasSize(1);
    }

    @Test
    void rowsThatAreNotUtf8AreRejected() throws Exception {
        String topic = TestServices.unique("csv_import_latin1");
        Path file = dir.resolve("latin1.csv");
        Files.write(
                file,
                "symbol,ts,price,qty\nFPT,1733105700,1,1\nF\u00c9T,1733105700,1,1\nVNM,1733105700,1,1\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
        EmbeddedKafka kafka = TestServices.kafka();
        kafka.createTopic(topic, 1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CsvImport.run(
                new String[] {
                    "--file", file.toString(), "--topic", topic, "--bootstrap-servers", kafka.bootstrapServers()
                },
                Map.of(),
                System.in,
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(CsvImport.EXIT_REJECTED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("line 3 rejected: bytes that are not UTF-8");
        assertThat(consume(kafka, topic, 2))
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("FPT", "VNM");
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(EmbeddedKafka kafka, String topic, long expected) {
        return kafka.consume(topic, expected);
    }
}
