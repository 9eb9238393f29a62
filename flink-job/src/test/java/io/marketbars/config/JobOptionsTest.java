package io.marketbars.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobOptionsTest {
    @Test
    void passwordComesFromTheEnvironmentAndNeverShowsInToString() {
        JobOptions o = JobOptions.fromArgs(
                new String[] {"--db-url", "jdbc:postgresql://db/bars?ssl=true"},
                Map.of(JobOptions.DB_PASSWORD_ENV, "s3cret", "KAFKA_SASL_JAAS_CONFIG", "secret-jaas"));
        assertThat(o.dbPassword()).isEqualTo("s3cret");
        assertThat(o.toString()).doesNotContain("s3cret").doesNotContain("secret-jaas");
    }

    @Test
    void aPasswordFileWinsOverTheVariableAndIsReadAgainEachTime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("password");
        Files.writeString(file, "from-file\n");
        Map<String, String> env =
                Map.of(JobOptions.DB_PASSWORD_ENV, "from-env", JobOptions.DB_PASSWORD_FILE_ENV, file.toString());
        JobOptions o = JobOptions.fromArgs(new String[0], env);
        assertThat(o.dbPassword()).as("one trailing line break dropped").isEqualTo("from-file");
        DbPassword location = o.dbPasswordLocation();
        assertThat(location.toString()).contains(file.toString()).doesNotContain("from-file");
        Files.writeString(file, "rotated");
        assertThat(location.resolve()).isEqualTo("rotated");
        assertThat(JobOptions.fromArgs(new String[0], Map.of(JobOptions.DB_PASSWORD_ENV, "from-env"))
                        .dbPassword())
                .isEqualTo("from-env");
        assertThat(JobOptions.fromArgs(new String[0], Map.of()).dbPassword()).isEmpty();
    }

    @Test
    void aPasswordOnTheCommandLineIsRefused() {
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--db-password", "x"}, Map.of()))
                .hasMessageContaining(JobOptions.DB_PASSWORD_ENV);
    }

    @Test
    void aPasswordInTheDatabaseUrlIsRefused() {
        for (String url : new String[] {
            "jdbc:postgresql://db/bars?password=leaked", "jdbc:postgresql://db/bars?user=u&PASSWORD=leaked"
        }) {
            assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--db-url", url}, Map.of()))
                    .hasMessageContaining("--db-url must not carry password=")
                    .hasMessageContaining(JobOptions.DB_PASSWORD_FILE_ENV)
                    .hasMessageNotContaining("leaked");
        }
    }

    @Test
    void onlyRealKafkaClientSettingsComeFromTheEnvironment() {
        JobOptions o = JobOptions.fromArgs(
                new String[0],
                Map.of(
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_JAAS_CONFIG", "jaas",
                        "KAFKA_HEAP_OPTS", "-Xmx1g",
                        "KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092",
                        "KAFKA_GROUP_ID", "other"));
        assertThat(o.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "${env:KAFKA_SASL_JAAS_CONFIG}")
                .containsEntry("config.providers", "env,file")
                .doesNotContainKeys("heap.opts", "bootstrap.servers", "group.id");
    }

    @Test
    void kafkaSecretsAreReferencesThatTheClientResolves(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "jaas=the-jaas-secret\n");
        JobOptions o = JobOptions.fromArgs(
                new String[0],
                Map.of(
                        "KAFKA_SASL_JAAS_CONFIG", "${file:" + file + ":jaas}",
                        "KAFKA_SSL_TRUSTSTORE_PASSWORD", "the-store-secret",
                        "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.p12"));
        Properties props = o.kafkaClientProperties();
        assertThat(props)
                .containsEntry("ssl.truststore.password", "${env:KAFKA_SSL_TRUSTSTORE_PASSWORD}")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12");
        assertThat(props.toString()).doesNotContain("the-store-secret").doesNotContain("the-jaas-secret");
        assertThat(JobOptions.KAFKA_SECRETS)
                .contains("sasl.jaas.config", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password");
        // The client itself resolves the reference with the providers the properties name.
        props.setProperty("bootstrap.servers", "localhost:9092");
        props.setProperty("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        props.setProperty(
                "value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        ProducerConfig config = new ProducerConfig(props);
        assertThat(config.getPassword("sasl.jaas.config").value()).isEqualTo("the-jaas-secret");
    }

    @Test
    void badValuesFailWithTheOptionName() {
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--allowed-lateness", "soon"}, Map.of()))
                .hasMessageContaining("--allowed-lateness");
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--mode", "batch"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deadLetterTransactionsHaveAPrefixPerJobAndATimeoutTheBrokerAccepts() {
        JobOptions defaults = JobOptions.fromArgs(new String[0], Map.of());
        assertThat(defaults.deadLetterTransactionalIdPrefix).isEqualTo("market-bars-dlq");
        // The broker's default transaction.max.timeout.ms; the connector's own 1 h would be refused.
        assertThat(defaults.deadLetterTransactionTimeout).isEqualTo(java.time.Duration.ofMinutes(15));
        assertThat(JobOptions.fromArgs(new String[] {"--group-id", "bars-eu"}, Map.of())
                        .deadLetterTransactionalIdPrefix)
                .as("another job, another prefix")
                .isEqualTo("bars-eu-dlq");
        assertThat(JobOptions.fromArgs(new String[] {"--dead-letter-transactional-id-prefix", "x"}, Map.of())
                        .deadLetterTransactionalIdPrefix)
                .isEqualTo("x");
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--checkpoint-interval", "10 min"}, Map.of()))
                .hasMessageContaining("--dead-letter-transaction-timeout");
        assertThatThrownBy(() ->
                        JobOptions.fromArgs(new String[] {"--dead-letter-transactional-id-prefix", " "}, Map.of()))
                .hasMessageContaining("--dead-letter-transactional-id-prefix");
    }

    @Test
    void deadLettersAreAtMostTheProducersDefaultRequestSizeUnlessRaised() {
        assertThat(JobOptions.fromArgs(new String[0], Map.of()).deadLetterMaxRecordBytes)
                .isEqualTo(1024 * 1024);
        assertThat(JobOptions.fromArgs(new String[] {"--dead-letter-max-record-bytes", "4194304"}, Map.of())
                        .deadLetterMaxRecordBytes)
                .isEqualTo(4 * 1024 * 1024);
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--dead-letter-max-record-bytes", "1000"}, Map.of()))
                .hasMessageContaining("--dead-letter-max-record-bytes");
    }

    @Test
    void anUnknownOptionIsRefusedWithTheNearestRealOne() {
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--trade-topic", "ticks"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--trade-topic")
                .hasMessageContaining("did you mean --trades-topic?");
        assertThatThrownBy(() -> JobOptions.fromArgs(new String[] {"--chunk-interval", "1 day"}, Map.of()))
                .hasMessageContaining("Unknown option --chunk-interval");
    }

    @Test
    void migrateAcceptsItsSchemaSettingsNextToTheJobsOptions() {
        JobOptions o = JobOptions.fromArgs(
                new String[] {"--db-user", "owner", "--chunk-interval", "1 day"}, Map.of(), Set.of("chunk-interval"));
        assertThat(o.dbUser).isEqualTo("owner");
    }
}
