package io.marketbars.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * An {@link EmbeddedKafka} with a SASL_SSL listener (SCRAM-SHA-512) whose certificate, for
 * {@code 127.0.0.1} and {@code localhost}, comes from a CA made at test time in {@code dir}, and
 * one SCRAM user, {@value #USER}, created with Admin's {@code alterUserScramCredentials}.
 */
public final class SaslSslKafka implements AutoCloseable {
    public static final String USER = "bars-job";
    /** A test secret, never a real one. */
    public static final String PASSWORD = "scram-test-pw-41c7";

    private final TestCertificates ca;
    private final EmbeddedKafka kafka;

    private SaslSslKafka(TestCertificates ca, EmbeddedKafka kafka) {
        this.ca = ca;
        this.kafka = kafka;
    }

    public static SaslSslKafka start(Path dir) throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "kafka-test-ca");
        TestCertificates.Server broker = ca.server("bars-kafka", "ip:127.0.0.1", "dns:localhost");
        SaslSslKafka k = new SaslSslKafka(
                ca, EmbeddedKafka.startWithSaslSsl(broker.keyStore(), TestCertificates.STORE_PASSWORD));
        try {
            k.kafka
                    .admin()
                    .alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD)))
                    .all()
                    .get();
            k.awaitScramLogin();
        } catch (Exception | Error e) {
            k.close();
            throw e;
        }
        return k;
    }

    /** The broker; its own clients ({@link EmbeddedKafka#producerProps()}, ...) use the PLAINTEXT listener. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    public TestCertificates ca() {
        return ca;
    }

    public String bootstrapServers() {
        return kafka.saslSslBootstrapServers();
    }

    public static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    /** Logs in over SASL_SSL with {@code password} and asks for the cluster id. */
    public void describeCluster(String password) throws Exception {
        describeCluster(password, ca.caPem());
    }

    /**
     * The same, trusting only the CA certificate {@code caPem} (PEM), with Kafka's default
     * endpoint identification ({@code https}: the broker's certificate must name the host).
     */
    public void describeCluster(String password, Path caPem) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", jaas(password));
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", caPem.toString());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().clusterId().get();
        }
    }

    /** SCRAM credentials reach the broker's metadata asynchronously: wait until a login succeeds. */
    private void awaitScramLogin() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                describeCluster(PASSWORD);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Override
    public void close() {
        kafka.close();
    }
}
