package io.marketbars.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.Tick;
import io.marketbars.sources.TickParser;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.TestServices;
import io.marketbars.tools.CsvImport.Result;
import io.marketbars.tools.CsvImport.Settings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import-csv} against a real broker: rows are judged by the job's own rules, a missing topic is named at
 * once, and the command prints its summary and its errors whatever the logging set-up.
 */
class CsvImportIT {
    @TempDir
    Path dir;

    private record Run(Result result, List<ConsumerRecord<byte[], byte[]>> records, String errors) {}

    private static Run importCsv(String csv) throws Exception {
        EmbeddedKafka kafka = TestServices.kafka();
        String topic = TestServices.unique("csv_rules");
        kafka.createTopic(topic, 1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Result result;
        try (PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            result = CsvImport.importCsv(
                    new StringReader(csv),
                    producer,
                    Settings.defaults().withDefaultSymbol("FPT").withTopic(topic),
                    errors);
        }
        return new Run(result, kafka.consume(topic, result.sent()), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void rowsTheJobWouldRejectAreRejectedHereWithTheJobsReason() throws Exception {
        long tomorrow = Instant.now().plus(Duration.ofDays(1)).getEpochSecond();
        String longSymbol = "X".repeat(65);
        Run run = importCsv(
                "symbol,ts,price,qty\n" // line 1
                        + "FPT,1700000000,1,1\n" // 2
                        + "A\u0001B,1700000000,1,1\n" // 3
                        + longSymbol + ",1700000000,1,1\n" // 4
                        + "FPT," + tomorrow + ",1,1\n" // 5
                        + "FPT,1700000000,1e999999999,1\n" // 6
                        + "FPT,1700000000,0.0000001,1E+2\n" // 7
                        + "FPT,10000000000000000000000000,1,1\n"); // 8, 1e25 ns: 300 million years on
        assertThat(run.result().sent()).isEqualTo(2);
        assertThat(run.result().rejected()).isEqualTo(5);
        assertThat(run.errors())
                .contains("line 3 rejected: symbol contains a control character")
                .contains("line 4 rejected: symbol longer than 64 characters")
                .contains("line 5 rejected: ts '" + tomorrow + "' is beyond the wall clock plus max-future-skew")
                .contains("line 6 rejected: price is outside the supported range (20 integer, 18 fraction digits)")
                .contains("line 8 rejected: ts");
        // Decimals are sent in plain form, however the CSV wrote them, and the job reads every row sent.
        String last = new String(run.records().get(1).value(), StandardCharsets.UTF_8);
        assertThat(last).contains("\"price\":\"0.0000001\"", "\"qty\":\"100\"");
        TickParser jobParser = new TickParser(Duration.ofMinutes(10).toMillis());
        for (ConsumerRecord<byte[], byte[]> r : run.records()) {
            assertThat(jobParser.parse(r.value(), System.currentTimeMillis(), new Tick()).rejectReason)
                    .isNull();
        }
    }

    @Test
    void aMissingTopicIsNamedAtOnce() throws Exception {
        Path file = dir.resolve("trades.csv");
        Files.writeString(file, "ts,price,qty\n1700000000,1,1\n");
        String missing = TestServices.unique("trdaes");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = CsvImport.run(
                new String[] {
                    "--file",
                    file.toString(),
                    "--symbol",
                    "FPT",
                    "--topic",
                    missing,
                    "--bootstrap-servers",
                    TestServices.kafka().bootstrapServers()
                },
                Map.of(),
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(CsvImport.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("import-csv: Kafka topic '" + missing
                        + "' (--topic) does not exist at "
                        + TestServices.kafka().bootstrapServers()
                        + ": create it or correct the option." + System.lineSeparator());
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        // A producer would have waited max.block.ms (60 s) for the topic to appear.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    /** BarsJob's main in a JVM of its own without a logging configuration, as the README runs it. */
    @Test
    void theMainPrintsTheSummaryAndTheRejectedRows() throws Exception {
        EmbeddedKafka kafka = TestServices.kafka();
        String topic = TestServices.unique("csv_main");
        kafka.createTopic(topic, 1);
        Path file = dir.resolve("trades.csv");
        Files.writeString(file, "ts,price,qty\n1700000000,1,1\n1700000000,0,1\n1700000001,2,1\n");
        MigrateIT.Run run = MigrateIT.main(
                "import-csv",
                "--file",
                file.toString(),
                "--symbol",
                "FPT",
                "--topic",
                topic,
                "--bootstrap-servers",
                kafka.bootstrapServers());
        assertThat(run.exitCode()).isEqualTo(CsvImport.EXIT_REJECTED);
        assertThat(run.out()).contains("import-csv: 3 rows read, 2 sent, 1 rejected in ");
        assertThat(run.err()).contains("import-csv: line 3 rejected: price 0 is not positive");

        MigrateIT.Run missing = MigrateIT.main(
                "import-csv",
                "--file",
                file.toString(),
                "--symbol",
                "FPT",
                "--topic",
                topic + "_typo",
                "--bootstrap-servers",
                kafka.bootstrapServers());
        assertThat(missing.exitCode()).isEqualTo(CsvImport.EXIT_USAGE);
        assertThat(missing.err()).contains("Kafka topic '" + topic + "_typo' (--topic) does not exist");
    }
}
