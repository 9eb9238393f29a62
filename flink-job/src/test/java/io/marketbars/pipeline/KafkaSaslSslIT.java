package io.marketbars.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.testing.DeadLetterTopic;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.SaslSslKafka;
import io.marketbars.testing.TestCertificates;
import io.marketbars.testing.TestServices;
import io.marketbars.testing.TestTicks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's Kafka clients over SASL_SSL with SCRAM-SHA-512, set the documented way through
 * {@code KAFKA_*} variables: a broker with a SASL_SSL listener whose certificate comes from a CA
 * made at test time, the job bootstrapping only through that listener and trusting that CA. The
 * secrets ({@code sasl.jaas.config}, the trust store's password) are {@code ${file:...}}
 * references to a properties file, as a mounted Secret would give them. A trade read by the source
 * becomes a bar, and a malformed record is written by the dead-letter sink, both through SASL_SSL.
 * A client trusting another CA is refused in the TLS handshake, one with a wrong SCRAM password
 * at the login.
 */
class KafkaSaslSslIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @TempDir
    static Path dir;

    private static SaslSslKafka broker;
    private static EmbeddedKafka kafka;
    private static Path secrets;

    @BeforeAll
    static void start() throws Exception {
        broker = SaslSslKafka.start(dir);
        kafka = broker.kafka();
        secrets = dir.resolve("kafka-secrets.properties");
        Files.writeString(
                secrets,
                "sasl.jaas.config=" + SaslSslKafka.jaas(SaslSslKafka.PASSWORD) + "\nssl.truststore.password="
                        + TestCertificates.STORE_PASSWORD + "\n");
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** What the job's environment holds: no secret as a value, only references to the secrets file. */
    private static Map<String, String> kafkaEnv() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        env.put("KAFKA_SASL_JAAS_CONFIG", "${file:" + secrets + ":sasl.jaas.config}");
        env.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
        env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", broker.ca().trustStore().toString());
        env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", "${file:" + secrets + ":ssl.truststore.password}");
        return env;
    }

    @Test
    void aWrongScramPasswordIsRefused() {
        assertThatThrownBy(() -> broker.describeCluster("not-the-password"))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefused() throws Exception {
        Path otherDir = Files.createDirectories(dir.resolve("other-ca"));
        TestCertificates other = TestCertificates.authority(otherDir, "other-test-ca");
        // The right password: the TLS handshake fails before SCRAM is tried.
        assertThatThrownBy(() -> broker.describeCluster(SaslSslKafka.PASSWORD, other.caPem()))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void theSourceAndTheDeadLetterSinkConnectThroughSaslSsl() throws Exception {
        String trades = TestServices.unique("trades");
        String dlq = TestServices.unique("dead_letters");
        kafka.createTopic(trades, 1);
        kafka.createTopic(dlq, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            producer.send(new ProducerRecord<>(
                            trades,
                            "FPT".getBytes(StandardCharsets.UTF_8),
                            ("{\"symbol\":\"FPT\",\"ts\":\"" + TestTicks.MINUTE_0.plusSeconds(1)
                                            + "\",\"price\":\"10.50\",\"qty\":\"100\",\"seq\":1,\"side\":\"B\"}")
                                    .getBytes(StandardCharsets.UTF_8)))
                    .get();
            producer.send(new ProducerRecord<>(
                            trades,
                            "FPT".getBytes(StandardCharsets.UTF_8),
                            "{\"symbol\":\"FPT\",\"price\":".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        String db = TestServices.migratedDatabase("bars");
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode",
                    "replay",
                    "--bootstrap-servers",
                    broker.bootstrapServers(),
                    "--trades-topic",
                    trades,
                    "--index-topic",
                    "none",
                    "--foreign-flow-topic",
                    "none",
                    "--dead-letter-topic",
                    dlq,
                    "--group-id",
                    TestServices.unique("group"),
                    "--db-url",
                    db,
                    "--db-user",
                    TestServices.postgres().user(),
                    "--checkpoint-interval",
                    "200 ms",
                    "--parallelism",
                    "1",
                },
                kafkaEnv());
        assertThat(options.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "${file:" + secrets + ":sasl.jaas.config}");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        // A client that cannot log in fails the job at once instead of restarting it forever.
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        env.execute("it-" + dlq);

        assertThat(DeadLetterTopic.read(kafka, dlq))
                .singleElement()
                .satisfies(r -> assertThat(DeadLetterTopic.header(r, DeadLetterSerializer.TOPIC))
                        .isEqualTo(trades));
        List<String> bars = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT symbol, close::text, trade_count FROM ohlcv_1m")) {
            while (rs.next()) {
                bars.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3));
            }
        }
        assertThat(bars).containsExactly("FPT 10.50 1");
    }
}
