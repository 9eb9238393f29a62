package io.marketbars.deploy;

import static io.marketbars.deploy.HelmChartTest.allContainers;
import static io.marketbars.deploy.HelmChartTest.assertNoLiteralSecrets;
import static io.marketbars.deploy.HelmChartTest.assertSecretRef;
import static io.marketbars.deploy.HelmChartTest.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Credentials and trust material as files from Kubernetes Secrets: the database password mounted
 * and named by {@code BARS_DB_PASSWORD_FILE} instead of an environment variable, PostgreSQL's CA
 * certificate for {@code sslmode=verify-full}, and the Kafka clients' trust and key stores, in the
 * pods that use them and nowhere else.
 */
class ChartSecretMountsTest {
    private static final String PASSWORD_DIR = "/etc/market-bars/credentials";

    @Test
    void byDefaultThePasswordIsAnEnvironmentVariableAndNothingIsMounted() {
        RenderedChart chart = RenderedChart.render("");
        for (Pod pod : pods(chart)) {
            assertSecretRef(
                    env(pod.container()).get("BARS_DB_PASSWORD"), "bars-market-bars-credentials", "db-password");
            assertThat(env(pod.container())).doesNotContainKey("BARS_DB_PASSWORD_FILE");
            assertThat(pod.volumes()).doesNotContainKeys("db-password", "db-tls", "kafka-tls");
            assertThat(pod.mounts()).doesNotContainKeys("db-password", "db-tls", "kafka-tls");
        }
    }

    @Test
    void thePasswordFileIsMountedFromTheSecretAndNamedByBarsDbPasswordFile() {
        RenderedChart chart = RenderedChart.render("credentials: {dbPassword: x, dbPasswordFrom: file}\n");
        assertThat(pods(chart)).hasSize(2);
        for (Pod pod : pods(chart)) {
            Map<String, JsonNode> env = env(pod.container());
            assertThat(env).doesNotContainKey("BARS_DB_PASSWORD");
            assertThat(env.get("BARS_DB_PASSWORD_FILE").path("value").asText())
                    .isEqualTo(PASSWORD_DIR + "/db-password");
            // Only the password's key, not the Kafka secrets of the same Secret.
            JsonNode secret = pod.volumes().get("db-password").path("secret");
            assertThat(secret.path("secretName").asText()).isEqualTo("bars-market-bars-credentials");
            assertThat(secret.path("items").toString())
                    .isEqualTo("[{\"key\":\"db-password\",\"path\":\"db-password\"}]");
            assertThat(secret.path("defaultMode").asInt()).isEqualTo(0440);
            assertMounted(pod, "db-password", PASSWORD_DIR);
        }
    }

    @Test
    void trustMaterialComesFromSecretsWhereItIsUsed() {
        RenderedChart chart = RenderedChart.render(HelmChartTest.TLS_AND_PASSWORD_FILE);
        for (Pod pod : pods(chart)) {
            Map<String, JsonNode> env = env(pod.container());
            assertThat(env.get("BARS_DB_PASSWORD_FILE").path("value").asText())
                    .isEqualTo(PASSWORD_DIR + "/db-password");
            assertThat(pod.volumes()
                            .get("db-password")
                            .at("/secret/items/0/key")
                            .asText())
                    .isEqualTo("postgres-password");
            assertThat(pod.volumes().get("db-password").at("/secret/secretName").asText())
                    .isEqualTo("market-bars-prod");
            JsonNode ca = pod.volumes().get("db-tls").path("secret");
            assertThat(ca.path("secretName").asText()).isEqualTo("postgres-ca");
            assertThat(ca.path("items").toString()).isEqualTo("[{\"key\":\"root.crt\",\"path\":\"root.crt\"}]");
            assertMounted(pod, "db-tls", "/etc/market-bars/tls/database");
            assertNoLiteralSecrets(pod.container());
        }

        Pod flink = pods(chart).get(0);
        assertThat(flink.kind()).isEqualTo("FlinkDeployment");
        assertThat(flink.volumes().get("kafka-tls").at("/secret/secretName").asText())
                .isEqualTo("kafka-client-tls");
        assertMounted(flink, "kafka-tls", "/etc/market-bars/tls/kafka");
        Map<String, JsonNode> env = env(flink.container());
        assertThat(env.get("KAFKA_SSL_TRUSTSTORE_LOCATION").path("value").asText())
                .isEqualTo("/etc/market-bars/tls/kafka/truststore.p12");
        assertThat(env.get("KAFKA_SSL_TRUSTSTORE_TYPE").path("value").asText()).isEqualTo("PKCS12");
        assertThat(env.get("KAFKA_SSL_KEYSTORE_LOCATION").path("value").asText())
                .isEqualTo("/etc/market-bars/tls/kafka/keystore.p12");
        assertThat(env.get("KAFKA_SSL_KEYSTORE_TYPE").path("value").asText()).isEqualTo("PKCS12");
        // The stores' passwords stay Secret references.
        assertSecretRef(env.get("KAFKA_SSL_TRUSTSTORE_PASSWORD"), "market-bars-prod", "truststore-password");
        assertSecretRef(env.get("KAFKA_SSL_KEYSTORE_PASSWORD"), "market-bars-prod", "keystore-password");

        // The migration talks to the database only: no Kafka store, no Kafka variable.
        Pod migration = pods(chart).get(1);
        assertThat(migration.kind()).isEqualTo("Job");
        assertThat(migration.volumes()).doesNotContainKey("kafka-tls");
        assertThat(env(migration.container()).keySet()).noneMatch(n -> n.startsWith("KAFKA_"));
        assertThat(String.join(" ", HelmChartTest.args(migration.container().path("args"))))
                .contains("sslmode=verify-full&sslrootcert=/etc/market-bars/tls/database/root.crt");
    }

    @Test
    void aPemTrustStoreIsTheDefaultAndTheChartRefusesToSetALocationTwice() {
        Map<String, JsonNode> env = env(pods(RenderedChart.render("tls: {kafka: {secret: kafka-ca}}\n"))
                .get(0)
                .container());
        assertThat(env.get("KAFKA_SSL_TRUSTSTORE_LOCATION").path("value").asText())
                .isEqualTo("/etc/market-bars/tls/kafka/ca.crt");
        assertThat(env.get("KAFKA_SSL_TRUSTSTORE_TYPE").path("value").asText()).isEqualTo("PEM");
        assertThat(env).doesNotContainKey("KAFKA_SSL_KEYSTORE_LOCATION");

        assertThatThrownBy(() -> RenderedChart.render("tls: {kafka: {secret: kafka-ca}}\n"
                        + "kafkaProperties: {ssl.truststore.location: /somewhere/else.pem}\n"))
                .hasMessageContaining("kafkaProperties.ssl.truststore.location is set by tls.kafka");
        assertThatThrownBy(() -> RenderedChart.render("credentials: {dbPasswordFrom: vault}\n"))
                .hasMessageContaining("dbPasswordFrom");
        assertThatThrownBy(() -> RenderedChart.render("tls: {kafka: {trustStoreType: P12}}\n"))
                .hasMessageContaining("trustStoreType");
    }

    private static void assertMounted(Pod pod, String volume, String path) {
        JsonNode mount = pod.mounts().get(volume);
        assertThat(mount).as("mount of %s in %s", volume, pod.kind()).isNotNull();
        assertThat(mount.path("mountPath").asText()).isEqualTo(path);
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        // A subPath mount would never see a changed Secret.
        assertThat(mount.has("subPath")).isFalse();
    }

    /** A pod spec's main container, volumes and mounts by name. */
    record Pod(String kind, JsonNode container, Map<String, JsonNode> volumes, Map<String, JsonNode> mounts) {}

    /** The FlinkDeployment's pod template, then the migration Job's pod (when rendered). */
    private static List<Pod> pods(RenderedChart chart) {
        List<JsonNode> containers = allContainers(chart);
        List<JsonNode> specs = new java.util.ArrayList<>();
        chart.ofKind("FlinkDeployment").forEach(fd -> specs.add(fd.at("/spec/podTemplate/spec")));
        chart.ofKind("Job").forEach(job -> specs.add(job.at("/spec/template/spec")));
        List<String> kinds = new java.util.ArrayList<>();
        chart.ofKind("FlinkDeployment").forEach(fd -> kinds.add("FlinkDeployment"));
        chart.ofKind("Job").forEach(job -> kinds.add("Job"));
        List<Pod> pods = new java.util.ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Map<String, JsonNode> volumes = new HashMap<>();
            specs.get(i).path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
            Map<String, JsonNode> mounts = new HashMap<>();
            containers
                    .get(i)
                    .path("volumeMounts")
                    .forEach(m -> mounts.put(m.path("name").asText(), m));
            pods.add(new Pod(kinds.get(i), containers.get(i), volumes, mounts));
        }
        return pods;
    }
}
