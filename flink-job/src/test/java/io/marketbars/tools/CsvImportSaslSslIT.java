package io.marketbars.tools;

import static io.marketbars.testing.TestCertificates.STORE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.testing.SaslSslKafka;
import io.marketbars.testing.TestServices;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import-csv} over SASL_SSL with SCRAM-SHA-512, set through its {@code KAFKA_*} variables:
 * the topic check and the producer both log in through the broker's SASL_SSL listener, trusting
 * the CA made at test time; with a wrong password the import stops with the topic check. The
 * secrets may be literal values or, as for the job, config-provider references.
 */
class CsvImportSaslSslIT {
    @TempDir
    Path dir;

    @Test
    void theImportSendsThroughSaslSsl() throws Exception {
        try (SaslSslKafka broker = SaslSslKafka.start(dir)) {
            String topic = TestServices.unique("csv_sasl_ssl");
            broker.kafka().createTopic(topic, 1);
            Path file = csv();

            // Literal values in the import's own environment.
            Result ok = run(file, topic, broker, env(broker, SaslSslKafka.jaas(SaslSslKafka.PASSWORD), STORE_PASSWORD));
            assertThat(ok.exitCode()).as(ok.err()).isEqualTo(CsvImport.EXIT_OK);
            assertThat(ok.out()).contains("2 sent");
            assertThat(broker.kafka().consume(topic, 2)).hasSize(2);

            Result refused =
                    run(file, topic, broker, env(broker, SaslSslKafka.jaas("not-the-password"), STORE_PASSWORD));
            assertThat(refused.exitCode()).isNotEqualTo(CsvImport.EXIT_OK);
            assertThat(broker.kafka().consume(topic, 2)).hasSize(2);
        }
    }

    /**
     * The secrets as the job takes them, {@code ${file:...}} references to a mounted file that the
     * Kafka clients (the topic check's admin client and the producer) resolve: the environment
     * holds no secret.
     */
    @Test
    void theImportResolvesConfigProviderReferencesLikeTheJob() throws Exception {
        try (SaslSslKafka broker = SaslSslKafka.start(dir)) {
            String topic = TestServices.unique("csv_sasl_ssl_ref");
            broker.kafka().createTopic(topic, 1);
            Path secrets = dir.resolve("kafka-secrets.properties");
            Files.writeString(
                    secrets,
                    "sasl.jaas.config=" + SaslSslKafka.jaas(SaslSslKafka.PASSWORD) + "\nssl.truststore.password="
                            + STORE_PASSWORD + "\n");
            Map<String, String> env = env(
                    broker,
                    "${file:" + secrets + ":sasl.jaas.config}",
                    "${file:" + secrets + ":ssl.truststore.password}");
            assertThat(String.join(" ", env.values())).doesNotContain(SaslSslKafka.PASSWORD, STORE_PASSWORD);

            Result ok = run(csv(), topic, broker, env);
            assertThat(ok.exitCode()).as(ok.err()).isEqualTo(CsvImport.EXIT_OK);
            assertThat(ok.out()).contains("2 sent");
            assertThat(broker.kafka().consume(topic, 2)).hasSize(2);
        }
    }

    private Path csv() throws Exception {
        Path file = dir.resolve("trades.csv");
        Files.writeString(file, "ts,price,qty\n1700000000,1,1\n1700000001,2,1\n");
        return file;
    }

    /** The import's KAFKA_* variables for SASL_SSL with SCRAM-SHA-512 and the test CA. */
    private static Map<String, String> env(SaslSslKafka broker, String jaas, String trustStorePassword)
            throws Exception {
        return Map.of(
                "KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL",
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                jaas,
                "KAFKA_SSL_TRUSTSTORE_TYPE",
                "PKCS12",
                "KAFKA_SSL_TRUSTSTORE_LOCATION",
                broker.ca().trustStore().toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                trustStorePassword);
    }

    private record Result(int exitCode, String out, String err) {}

    private static Result run(Path file, String topic, SaslSslKafka broker, Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = CsvImport.run(
                    new String[] {
                        "--file",
                        file.toString(),
                        "--symbol",
                        "FPT",
                        "--topic",
                        topic,
                        "--bootstrap-servers",
                        broker.bootstrapServers()
                    },
                    env,
                    new ByteArrayInputStream(new byte[0]),
                    o,
                    e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
