package io.marketbars.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in {@code helm/market-bars}, checked with a real Helm: it lints, renders with the
 * defaults and with the variants users need, the FlinkDeployment validates against the Flink
 * Kubernetes Operator's CRD schema, every other object parses strictly into the Kubernetes model,
 * pods meet the restricted Pod Security Standard, and secret values appear only in the Secret.
 */
class HelmChartTest {
    /** Values that must never leave the Secret; unique so a leak anywhere else is found by text search. */
    static final String DB_PASSWORD = "db-pw-0f3c9a71e2";

    static final String KAFKA_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"bars\" password=\"kafka-pw-8b41d7c05a\";";
    static final String KAFKA_SECRET_MARKER = "kafka-pw-8b41d7c05a";

    static final String CREATED_SECRET_WITH_SASL = """
            credentials:
              dbPassword: "%s"
              kafka:
                sasl.jaas.config: '%s'
            kafkaProperties:
              security.protocol: SASL_SSL
              sasl.mechanism: SCRAM-SHA-512
            """.formatted(DB_PASSWORD, KAFKA_JAAS);

    static final String EXISTING_SECRET_WITH_SASL = """
            credentials:
              existingSecret: market-bars-prod
              dbPasswordKey: postgres-password
              existingSecretKafkaKeys:
                sasl.jaas.config: kafka-jaas
            kafkaProperties:
              security.protocol: SASL_SSL
              sasl.mechanism: SCRAM-SHA-512
            """;

    static final String CUSTOM = """
            image:
              repository: ghcr.io/acme/market-bars
              tag: "0.2.0"
            flink:
              parallelism: 6
              maxParallelism: 720
              taskSlots: 3
              stateBackend: rocksdb
              serviceAccount:
                create: true
                name: market-bars-flink
              configuration:
                kubernetes.operator.periodic.savepoint.interval: 6h
            storage:
              checkpointDir: gs://acme-flink/market-bars/checkpoints
              savepointDir: gs://acme-flink/market-bars/savepoints
              haDir: gs://acme-flink/market-bars/ha
            job:
              options:
                mode: live
                bootstrap-servers: kafka-0.kafka:9093,kafka-1.kafka:9093
                db-url: jdbc:postgresql://timescale.db:5432/markets
                db-user: bars_writer
                allowed-lateness: 2 min
                sink-batch-size: 5000
              extraArgs: ["--some-future-option", "x"]
            metrics:
              port: 9555
              podMonitor:
                enabled: true
                labels:
                  release: kube-prometheus-stack
            """;

    static final String EGRESS = """
            networkPolicy:
              operatorNamespace: flink-system
              monitoringNamespace: observability
              extraIngress:
                - from:
                    - namespaceSelector:
                        matchLabels:
                          kubernetes.io/metadata.name: ingress-nginx
                  ports:
                    - port: 8081
              egress:
                enabled: true
                kubernetesApi:
                  cidrs: ["10.0.0.10/32"]
                kafka:
                  cidrs: ["10.20.0.0/16"]
                  ports: [9093]
                database:
                  namespaces: [databases]
                objectStore:
                  cidrs: ["0.0.0.0/0"]
                extra:
                  - to:
                      - ipBlock:
                          cidr: 169.254.20.10/32
                    ports:
                      - protocol: UDP
                        port: 53
            """;

    /** Trust material and the password file from Secrets (ChartSecretMountsTest checks the mounts). */
    static final String TLS_AND_PASSWORD_FILE = """
            credentials:
              existingSecret: market-bars-prod
              dbPasswordKey: postgres-password
              dbPasswordFrom: file
              existingSecretKafkaKeys:
                sasl.jaas.config: kafka-jaas
                ssl.truststore.password: truststore-password
                ssl.keystore.password: keystore-password
            kafkaProperties:
              security.protocol: SASL_SSL
              sasl.mechanism: SCRAM-SHA-512
            tls:
              database:
                caSecret: postgres-ca
                caKey: root.crt
              kafka:
                secret: kafka-client-tls
                trustStoreKey: truststore.p12
                trustStoreType: PKCS12
                keyStoreKey: keystore.p12
            job:
              options:
                db-url: jdbc:postgresql://postgres:5432/bars?sslmode=verify-full&sslrootcert=/etc/market-bars/tls/database/root.crt
            """;

    static final List<String> VARIANTS = List.of(
            "",
            TLS_AND_PASSWORD_FILE,
            CREATED_SECRET_WITH_SASL,
            EXISTING_SECRET_WITH_SASL,
            CUSTOM,
            EGRESS,
            "metrics: {prometheus: false}\nmigration: {enabled: false}\nnetworkPolicy: {enabled: false}\n");

    static FlinkDeploymentSchema crd;

    @BeforeAll
    static void loadCrd() {
        crd = new FlinkDeploymentSchema();
    }

    @Test
    void chartPassesStrictLint() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
        assertThat(result.isFailed())
                .as(String.join("\n", result.getMessages()))
                .isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void defaultsRenderASavepointUpgradedHaApplication() {
        RenderedChart chart = RenderedChart.render("");
        ObjectNode fd = chart.one("FlinkDeployment");
        JsonNode spec = fd.path("spec");
        assertThat(fd.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(fd.at("/metadata/name").asText()).isEqualTo("bars-market-bars");
        assertThat(spec.path("flinkVersion").asText()).isEqualTo("v2_2");
        assertThat(spec.path("image").asText()).isEqualTo("registry.example.com/market-bars:0.1.0");
        assertThat(spec.path("serviceAccount").asText()).isEqualTo("flink");

        JsonNode job = spec.path("job");
        assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/market-bars-job.jar");
        assertThat(job.path("entryClass").asText()).isEqualTo("io.marketbars.BarsJob");
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("state").asText()).isEqualTo("running");
        assertThat(job.path("parallelism").asInt()).isEqualTo(2);
        assertThat(args(job.path("args")))
                .containsExactly(
                        "run",
                        "--bootstrap-servers",
                        "kafka:9092",
                        "--checkpoint-interval",
                        "10 s",
                        "--db-url",
                        "jdbc:postgresql://postgres:5432/bars",
                        "--db-user",
                        "bars",
                        "--dead-letter-topic",
                        "bars-dead-letter",
                        "--foreign-flow-topic",
                        "foreign-flow",
                        "--group-id",
                        "market-bars",
                        "--index-topic",
                        "index-values",
                        "--mode",
                        "live",
                        "--trades-topic",
                        "trades");

        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(conf.path("high-availability.storageDir").asText()).isEqualTo("s3://market-bars-state/ha");
        assertThat(conf.path("execution.checkpointing.dir").asText()).isEqualTo("s3://market-bars-state/checkpoints");
        assertThat(conf.path("execution.checkpointing.savepoint-dir").asText())
                .isEqualTo("s3://market-bars-state/savepoints");
        assertThat(conf.path("pipeline.max-parallelism").asText()).isEqualTo("128");
        assertThat(conf.path("metrics.reporter.prom.factory.class").asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(conf.path("metrics.reporter.prom.port").asText()).isEqualTo("9249");
        conf.fields()
                .forEachRemaining(
                        e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());

        // Without an existing Secret the chart creates one, as a hook before the migration hook.
        ObjectNode secret = chart.one("Secret");
        assertThat(secret.at("/metadata/name").asText()).isEqualTo("bars-market-bars-credentials");
        assertThat(hookWeight(secret)).isLessThan(hookWeight(chart.one("Job")));
        assertThat(chart.find("PodMonitor")).isEmpty();
        assertThat(chart.find("ServiceAccount")).isEmpty();
        assertThat(chart.ofKind("ConfigMap")).isEmpty();
    }

    @Test
    void migrationRunsAsPreInstallAndPreUpgradeHookWithTheSameImage() {
        RenderedChart chart = RenderedChart.render(CUSTOM);
        ObjectNode job = chart.one("Job");
        JsonNode annotations = job.at("/metadata/annotations");
        assertThat(annotations.path("helm.sh/hook").asText().split(","))
                .containsExactlyInAnyOrder("pre-install", "pre-upgrade");
        assertThat(annotations.path("helm.sh/hook-delete-policy").asText()).contains("before-hook-creation");

        JsonNode pod = job.at("/spec/template/spec");
        assertThat(pod.path("restartPolicy").asText()).isEqualTo("Never");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        JsonNode container = pod.path("containers").get(0);
        String image = chart.one("FlinkDeployment").at("/spec/image").asText();
        assertThat(image).isEqualTo("ghcr.io/acme/market-bars:0.2.0");
        assertThat(container.path("image").asText()).isEqualTo(image);
        List<String> command = args(container.path("command"));
        command.addAll(args(container.path("args")));
        assertThat(String.join(" ", command))
                .contains(
                        "java",
                        "-cp /opt/flink/usrlib/market-bars-job.jar:/opt/flink/lib/* io.marketbars.BarsJob migrate "
                                + "--db-url jdbc:postgresql://timescale.db:5432/markets --db-user bars_writer");
        assertThat(envNames(container)).contains("BARS_DB_PASSWORD");

        // The same database options reach the job.
        List<String> jobArgs = args(chart.one("FlinkDeployment").at("/spec/job/args"));
        assertThat(String.join(" ", jobArgs))
                .contains(
                        "--db-url jdbc:postgresql://timescale.db:5432/markets",
                        "--db-user bars_writer",
                        "--allowed-lateness 2 min",
                        "--sink-batch-size 5000",
                        "--some-future-option x");
    }

    @Test
    void theExchangeTimeZoneReachesTheMigrationAndTheJobAlike() {
        RenderedChart chart = RenderedChart.render("job: {options: {exchange-time-zone: Asia/Ho_Chi_Minh}}\n");
        JsonNode container = chart.one("Job").at("/spec/template/spec/containers/0");
        assertThat(String.join(" ", args(container.path("args"))))
                .contains("migrate ")
                .endsWith(" --exchange-time-zone Asia/Ho_Chi_Minh");
        assertThat(String.join(" ", args(chart.one("FlinkDeployment").at("/spec/job/args"))))
                .contains("--exchange-time-zone Asia/Ho_Chi_Minh");
        // Unset, both take the same default.
        RenderedChart defaults = RenderedChart.render("");
        assertThat(args(defaults.one("Job").at("/spec/template/spec/containers/0/args")))
                .doesNotContain("--exchange-time-zone");
        assertThat(args(defaults.one("FlinkDeployment").at("/spec/job/args"))).doesNotContain("--exchange-time-zone");
    }

    @Test
    void customValuesReachTheFlinkDeployment() {
        RenderedChart chart = RenderedChart.render(CUSTOM);
        JsonNode spec = chart.one("FlinkDeployment").path("spec");
        assertThat(spec.at("/job/parallelism").asInt()).isEqualTo(6);
        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(conf.path("pipeline.max-parallelism").asText()).isEqualTo("720");
        assertThat(conf.path("taskmanager.numberOfTaskSlots").asText()).isEqualTo("3");
        assertThat(conf.path("state.backend.type").asText()).isEqualTo("rocksdb");
        assertThat(conf.path("execution.checkpointing.dir").asText())
                .isEqualTo("gs://acme-flink/market-bars/checkpoints");
        assertThat(conf.path("execution.checkpointing.savepoint-dir").asText())
                .isEqualTo("gs://acme-flink/market-bars/savepoints");
        assertThat(conf.path("high-availability.storageDir").asText()).isEqualTo("gs://acme-flink/market-bars/ha");
        assertThat(conf.path("kubernetes.operator.periodic.savepoint.interval").asText())
                .isEqualTo("6h");
        assertThat(spec.path("serviceAccount").asText()).isEqualTo("market-bars-flink");
        assertThat(chart.one("ServiceAccount").at("/metadata/name").asText()).isEqualTo("market-bars-flink");
        assertThat(chart.one("RoleBinding").at("/subjects/0/namespace").asText())
                .isEqualTo(RenderedChart.NAMESPACE);

        // The PodMonitor selects exactly the Flink pods (not the migration) on the metrics port.
        ObjectNode podMonitor = chart.one("PodMonitor");
        assertThat(podMonitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("metrics");
        JsonNode selector = podMonitor.at("/spec/selector/matchLabels");
        JsonNode flinkPodLabels = spec.at("/podTemplate/metadata/labels");
        JsonNode migrationPodLabels = chart.one("Job").at("/spec/template/metadata/labels");
        assertThat(matches(selector, flinkPodLabels)).isTrue();
        assertThat(matches(selector, migrationPodLabels)).isFalse();
        JsonNode port = spec.at("/podTemplate/spec/containers/0/ports/0");
        assertThat(port.path("name").asText()).isEqualTo("metrics");
        assertThat(port.path("containerPort").asInt()).isEqualTo(9555);
        assertThat(spec.at("/flinkConfiguration/metrics.reporter.prom.port").asText())
                .isEqualTo("9555");
    }

    @Test
    void everyVariantsFlinkDeploymentValidatesAgainstTheOperatorCrd() {
        for (String values : VARIANTS) {
            ObjectNode fd = RenderedChart.render(values).one("FlinkDeployment");
            assertThat(crd.validate(fd)).as("values:\n%s", values).isEmpty();
            // The pod template is merged by the operator into real pods: it must be a valid PodTemplateSpec too.
            assertThat(StrictKubernetes.podTemplateProblems(fd.at("/spec/podTemplate")))
                    .as(values)
                    .isEmpty();
            assertThat(StrictKubernetes.metadataProblems(fd.path("metadata")))
                    .as(values)
                    .isEmpty();
        }
    }

    @Test
    void schemaValidationRejectsBrokenFlinkDeployments() {
        ObjectNode valid = RenderedChart.render("").one("FlinkDeployment");
        assertThat(crd.validate(valid)).isEmpty();

        Map<String, java.util.function.Consumer<ObjectNode>> breakages = new HashMap<>();
        breakages.put("unknown upgrade mode", fd -> ((ObjectNode) fd.at("/spec/job")).put("upgradeMode", "savepoints"));
        breakages.put("misspelled field", fd -> ((ObjectNode) fd.at("/spec/job")).put("upgardeMode", "savepoint"));
        breakages.put("unsupported Flink version", fd -> ((ObjectNode) fd.path("spec")).put("flinkVersion", "v2_9"));
        breakages.put("string parallelism", fd -> ((ObjectNode) fd.at("/spec/job")).put("parallelism", "two"));
        breakages.put(
                "capabilities.drop not a list",
                fd -> ((ObjectNode) fd.at("/spec/podTemplate/spec/containers/0/securityContext/capabilities"))
                        .put("drop", "ALL"));
        breakages.put(
                "unknown container field",
                fd -> ((ObjectNode) fd.at("/spec/podTemplate/spec/containers/0")).put("envFrm", "x"));
        breakages.put(
                "non-string Flink configuration",
                fd -> ((ObjectNode) fd.at("/spec/flinkConfiguration")).put("parallelism.default", 4));
        for (var breakage : breakages.entrySet()) {
            ObjectNode broken = valid.deepCopy();
            breakage.getValue().accept(broken);
            assertThat(crd.validate(broken)).as(breakage.getKey()).isNotEmpty();
        }
    }

    @Test
    void everyOtherRenderedObjectIsAStrictlyValidKubernetesObject() {
        for (String values : VARIANTS) {
            for (ObjectNode object : RenderedChart.render(values).objects) {
                if ("FlinkDeployment".equals(object.path("kind").asText())) {
                    continue;
                }
                assertThat(StrictKubernetes.problems(object))
                        .as("%s in values:\n%s", object.path("kind"), values)
                        .isEmpty();
            }
        }
        // And the strict parse can fail.
        ObjectNode job = RenderedChart.render("").one("Job");
        ObjectNode misspelled = job.deepCopy();
        ((ObjectNode) misspelled.at("/spec/template/spec/containers/0")).put("imagePullPolcy", "Always");
        assertThat(StrictKubernetes.problems(misspelled)).isNotEmpty();
        ObjectNode wrongType = job.deepCopy();
        ((ObjectNode) wrongType.at("/spec")).put("backoffLimit", "twice");
        assertThat(StrictKubernetes.problems(wrongType)).isNotEmpty();
    }

    @Test
    void everyPodMeetsTheRestrictedPodSecurityStandard() {
        for (String values : VARIANTS) {
            RenderedChart chart = RenderedChart.render(values);
            List<JsonNode> pods = new ArrayList<>();
            chart.ofKind("FlinkDeployment").forEach(fd -> pods.add(fd.at("/spec/podTemplate/spec")));
            chart.ofKind("Job").forEach(job -> pods.add(job.at("/spec/template/spec")));
            assertThat(pods).isNotEmpty();
            for (JsonNode pod : pods) {
                assertRestricted(pod);
            }
            // Flink writes only to its scratch volumes.
            JsonNode flink = chart.one("FlinkDeployment").at("/spec/podTemplate/spec/containers/0");
            assertThat(flink.path("name").asText()).isEqualTo("flink-main-container");
            assertThat(emptyDirMounts(chart.one("FlinkDeployment").at("/spec/podTemplate/spec"), flink))
                    .contains("/tmp", "/opt/flink/log");
            chart.find("Job")
                    .ifPresent(job -> assertThat(emptyDirMounts(
                                    job.at("/spec/template/spec"), job.at("/spec/template/spec/containers/0")))
                            .contains("/tmp"));
        }
    }

    @Test
    void secretValuesAppearOnlyInTheSecret() {
        RenderedChart chart = RenderedChart.render(CREATED_SECRET_WITH_SASL);
        ObjectNode secret = chart.one("Secret");
        assertThat(secret.at("/stringData/db-password").asText()).isEqualTo(DB_PASSWORD);
        assertThat(secret.at("/stringData/kafka.sasl.jaas.config").asText()).isEqualTo(KAFKA_JAAS);
        for (ObjectNode object : chart.objects) {
            if (object != secret) {
                String text = object.toString();
                assertThat(text).as(object.path("kind").asText()).doesNotContain(DB_PASSWORD, KAFKA_SECRET_MARKER);
            }
        }
        String secretName = "bars-market-bars-credentials";
        for (JsonNode container : allContainers(chart)) {
            Map<String, JsonNode> env = env(container);
            assertSecretRef(env.get("BARS_DB_PASSWORD"), secretName, "db-password");
            if ("migrate".equals(container.path("name").asText())) {
                // The migration talks to the database only and gets no Kafka credentials.
                assertThat(env.keySet()).noneMatch(name -> name.startsWith("KAFKA_"));
            } else {
                assertSecretRef(env.get("KAFKA_SASL_JAAS_CONFIG"), secretName, "kafka.sasl.jaas.config");
                // Settings that are not secret are plain values the job turns back into client properties.
                assertThat(env.get("KAFKA_SECURITY_PROTOCOL").path("value").asText())
                        .isEqualTo("SASL_SSL");
                assertThat(env.get("KAFKA_SASL_MECHANISM").path("value").asText())
                        .isEqualTo("SCRAM-SHA-512");
            }
            assertNoLiteralSecrets(container);
        }
    }

    @Test
    void existingSecretIsReferencedAndNoneIsCreated() {
        RenderedChart chart = RenderedChart.render(EXISTING_SECRET_WITH_SASL);
        assertThat(chart.ofKind("Secret")).isEmpty();
        for (JsonNode container : allContainers(chart)) {
            Map<String, JsonNode> env = env(container);
            assertSecretRef(env.get("BARS_DB_PASSWORD"), "market-bars-prod", "postgres-password");
            if (!"migrate".equals(container.path("name").asText())) {
                assertSecretRef(env.get("KAFKA_SASL_JAAS_CONFIG"), "market-bars-prod", "kafka-jaas");
            }
            assertNoLiteralSecrets(container);
        }
    }

    @Test
    void noImageIsLatestOrUntagged() {
        for (String values : VARIANTS) {
            RenderedChart chart = RenderedChart.render(values);
            List<String> images = new ArrayList<>();
            chart.ofKind("FlinkDeployment")
                    .forEach(fd -> images.add(fd.at("/spec/image").asText()));
            allContainers(chart).forEach(c -> {
                if (c.has("image")) {
                    images.add(c.path("image").asText());
                }
            });
            assertThat(images).isNotEmpty().allSatisfy(image -> {
                String tag = image.substring(image.lastIndexOf('/') + 1);
                assertThat(tag).contains(":").doesNotEndWith(":latest");
            });
        }
        assertThatThrownBy(() -> RenderedChart.render("image: {tag: latest}\n")).hasMessageContaining("tag");
        String digest = "sha256:" + "ab".repeat(32);
        assertThat(RenderedChart.render("image: {digest: " + digest + "}\n")
                        .one("FlinkDeployment")
                        .at("/spec/image")
                        .asText())
                .isEqualTo("registry.example.com/market-bars:0.1.0@" + digest);
    }

    @Test
    void valuesSchemaRefusesUnsafeValues() {
        // A password as a job option would land on the command line.
        assertThatThrownBy(() -> RenderedChart.render("job: {options: {db-password: x}}\n"))
                .hasMessageContaining("db-password");
        // Checkpoints on a pod's local disk do not survive the pod.
        assertThatThrownBy(() -> RenderedChart.render("storage: {checkpointDir: 'file:///tmp/cp'}\n"))
                .hasMessageContaining("checkpointDir");
        // Secrets in Kafka settings that end up as plain env values.
        assertThatThrownBy(() -> RenderedChart.render("kafkaProperties: {sasl.jaas.config: x}\n"))
                .hasMessageContaining("invalid propertyName 'sasl.jaas.config'");
        // Stateless upgrades would drop all state.
        assertThatThrownBy(() -> RenderedChart.render("flink: {upgradeMode: stateless}\n"))
                .hasMessageContaining("upgradeMode");
        assertThatThrownBy(() -> RenderedChart.render("metrics: {prometheus: false, podMonitor: {enabled: true}}\n"))
                .hasMessageContaining("prometheus");
    }

    @Test
    void defaultsCloseTheRestApiAndTheNetwork() {
        RenderedChart chart = RenderedChart.render("");
        ObjectNode fd = chart.one("FlinkDeployment");
        JsonNode conf = fd.at("/spec/flinkConfiguration");
        // No JAR upload/run through REST; the operator never uses it for an application cluster.
        assertThat(conf.path("web.submit.enable").asText()).isEqualTo("false");
        assertThat(conf.path("rest.profiling.enabled").asText()).isEqualTo("false");
        assertThat(conf.path("rest.flamegraph.enabled").asText()).isEqualTo("false");
        // Cancel stays: the operator cancels through REST, and the flag only hides the UI button.
        assertThat(conf.has("web.cancel.enable")).isFalse();

        ObjectNode policy = chart.one("NetworkPolicy");
        assertThat(policy.at("/metadata/name").asText()).isEqualTo("bars-market-bars");
        JsonNode flinkPods = policy.at("/spec/podSelector/matchLabels");
        // The labels Flink's native Kubernetes mode puts on JobManager and TaskManager pods;
        // app is kubernetes.cluster-id, which the operator sets to the FlinkDeployment's name.
        assertThat(flinkPods.path("app").asText())
                .isEqualTo(fd.at("/metadata/name").asText());
        assertThat(flinkPods.path("type").asText()).isEqualTo("flink-native-kubernetes");
        assertThat(flinkPods.size()).isEqualTo(2);
        assertThat(matches(flinkPods, chart.one("Job").at("/spec/template/metadata/labels")))
                .isFalse();
        assertThat(args(policy.at("/spec/policyTypes"))).containsExactly("Ingress");
        assertThat(policy.at("/spec").has("egress")).isFalse();

        JsonNode ingress = policy.at("/spec/ingress");
        assertThat(ingress.size()).isEqualTo(3);
        // The cluster's own pods on every port: RPC 6123/6122, blob 6124, shuffle ports.
        assertThat(ingress.get(0).path("from")).hasSize(1);
        assertThat(ingress.get(0).at("/from/0/podSelector/matchLabels")).isEqualTo(flinkPods);
        assertThat(ingress.get(0).has("ports")).isFalse();
        assertThat(fromNamespaces(ingress.get(1))).containsExactly("flink");
        assertThat(tcpPorts(ingress.get(1))).containsExactly(8081);
        assertThat(fromNamespaces(ingress.get(2))).containsExactly("monitoring");
        assertThat(tcpPorts(ingress.get(2))).containsExactly(9249);
    }

    @Test
    void theNetworkPolicyFollowsTheValues() {
        // Namespaces, the metrics port and the REST port come from the values.
        RenderedChart custom = RenderedChart.render(
                CUSTOM + "networkPolicy: {operatorNamespace: flink-system, monitoringNamespace: observability}\n");
        JsonNode ingress = custom.one("NetworkPolicy").at("/spec/ingress");
        assertThat(fromNamespaces(ingress.get(1))).containsExactly("flink-system");
        assertThat(fromNamespaces(ingress.get(2))).containsExactly("observability");
        assertThat(tcpPorts(ingress.get(2))).containsExactly(9555);
        JsonNode restPort = RenderedChart.render("flink: {configuration: {rest.port: 8090}}\n")
                .one("NetworkPolicy")
                .at("/spec/ingress/1");
        assertThat(tcpPorts(restPort)).containsExactly(8090);

        // Without the reporter there is no metrics port to open.
        JsonNode noMetrics = RenderedChart.render("metrics: {prometheus: false}\n")
                .one("NetworkPolicy")
                .at("/spec/ingress");
        assertThat(noMetrics.size()).isEqualTo(2);

        // Turned off: no policy; the REST settings can be given back through flink.configuration.
        RenderedChart off = RenderedChart.render(
                "networkPolicy: {enabled: false}\nflink: {configuration: {web.submit.enable: true}}\n");
        assertThat(off.find("NetworkPolicy")).isEmpty();
        assertThat(off.one("FlinkDeployment")
                        .at("/spec/flinkConfiguration/web.submit.enable")
                        .asText())
                .isEqualTo("true");

        // Extra ingress rules are appended as given.
        JsonNode extra = RenderedChart.render(EGRESS).one("NetworkPolicy").at("/spec/ingress");
        assertThat(extra.size()).isEqualTo(4);
        assertThat(fromNamespaces(extra.get(3))).containsExactly("ingress-nginx");
    }

    @Test
    void egressIsRestrictedOnlyWhenConfigured() {
        ObjectNode policy = RenderedChart.render(EGRESS).one("NetworkPolicy");
        assertThat(args(policy.at("/spec/policyTypes"))).containsExactly("Ingress", "Egress");
        JsonNode egress = policy.at("/spec/egress");
        JsonNode flinkPods = policy.at("/spec/podSelector/matchLabels");
        assertThat(egress.get(0).at("/to/0/podSelector/matchLabels")).isEqualTo(flinkPods);
        assertThat(egress.get(0).has("ports")).isFalse();
        // DNS over UDP and TCP to the cluster DNS pods.
        JsonNode dns = egress.get(1);
        assertThat(fromNamespaces(dns, "to")).containsExactly("kube-system");
        assertThat(dns.at("/to/0/podSelector/matchLabels/k8s-app").asText()).isEqualTo("kube-dns");
        assertThat(dns.path("ports").findValuesAsText("protocol")).containsExactly("UDP", "TCP");
        assertThat(dns.path("ports").findValues("port")).allMatch(p -> p.asInt() == 53);
        // Kubernetes API, Kafka, database, object store, in that order, then the extra rule.
        assertThat(egress.size()).isEqualTo(7);
        assertThat(egress.get(2).at("/to/0/ipBlock/cidr").asText()).isEqualTo("10.0.0.10/32");
        assertThat(tcpPorts(egress.get(2))).containsExactly(443, 6443);
        assertThat(egress.get(3).at("/to/0/ipBlock/cidr").asText()).isEqualTo("10.20.0.0/16");
        assertThat(tcpPorts(egress.get(3))).containsExactly(9093);
        assertThat(fromNamespaces(egress.get(4), "to")).containsExactly("databases");
        assertThat(tcpPorts(egress.get(4))).containsExactly(5432);
        assertThat(egress.get(5).at("/to/0/ipBlock/cidr").asText()).isEqualTo("0.0.0.0/0");
        assertThat(tcpPorts(egress.get(5))).containsExactly(443);
        assertThat(egress.get(6).at("/to/0/ipBlock/cidr").asText()).isEqualTo("169.254.20.10/32");

        // A target without addresses allows nothing rather than everything.
        JsonNode bare = RenderedChart.render("networkPolicy: {egress: {enabled: true}}\n")
                .one("NetworkPolicy")
                .at("/spec/egress");
        assertThat(bare.size()).isEqualTo(2);
    }

    @Test
    void valuesSchemaRefusesMalformedNetworkPolicyValues() {
        assertThatThrownBy(() -> RenderedChart.render("networkPolicy: {operatorNamespace: Flink_Operator}\n"))
                .hasMessageContaining("operatorNamespace");
        assertThatThrownBy(() -> RenderedChart.render("networkPolicy: {egress: {kafka: {cidrs: [kafka:9092]}}}\n"))
                .hasMessageContaining("cidrs");
        assertThatThrownBy(() -> RenderedChart.render("networkPolicy: {egress: {kafka: {port: 9092}}}\n"))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> RenderedChart.render("networkPolicy: {ingress: []}\n"))
                .hasMessageContaining("ingress");
    }

    @Test
    void dockerfileBuildsFromTheFlinkVersionOfTheBuildAndPutsTheJarWhereTheChartLooks() throws Exception {
        Path dockerfile = RenderedChart.CHART.getParent().getParent().resolve("Dockerfile");
        String text = Files.readString(dockerfile);
        Matcher from = Pattern.compile("(?m)^ARG FLINK_IMAGE_TAG=(\\S+)$").matcher(text);
        assertThat(from.find()).as("ARG FLINK_IMAGE_TAG in Dockerfile").isTrue();
        assertThat(from.group(1)).isEqualTo(System.getProperty("flink.version") + "-java17");
        assertThat(text)
                .contains("FROM flink:${FLINK_IMAGE_TAG}", "/opt/flink/usrlib/market-bars-job.jar", "USER flink");
        assertThat(text).doesNotContain(":latest");
    }

    private static void assertRestricted(JsonNode pod) {
        JsonNode podSc = pod.path("securityContext");
        assertThat(podSc.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(podSc.path("runAsUser").asInt(-1)).isEqualTo(9999);
        assertThat(podSc.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        for (String hostField : List.of("hostNetwork", "hostPID", "hostIPC")) {
            assertThat(pod.path(hostField).asBoolean(false)).as(hostField).isFalse();
        }
        Set<String> allowedVolumes = Set.of(
                "configMap",
                "csi",
                "downwardAPI",
                "emptyDir",
                "ephemeral",
                "persistentVolumeClaim",
                "projected",
                "secret");
        for (JsonNode volume : pod.path("volumes")) {
            volume.fieldNames().forEachRemaining(f -> {
                if (!"name".equals(f)) {
                    assertThat(allowedVolumes).as("volume type " + f).contains(f);
                }
            });
        }
        List<JsonNode> containers = new ArrayList<>();
        pod.path("containers").forEach(containers::add);
        pod.path("initContainers").forEach(containers::add);
        assertThat(containers).isNotEmpty();
        for (JsonNode c : containers) {
            JsonNode sc = c.path("securityContext");
            String name = c.path("name").asText();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true))
                    .as(name)
                    .isFalse();
            assertThat(sc.path("privileged").asBoolean(false)).as(name).isFalse();
            assertThat(sc.path("readOnlyRootFilesystem").asBoolean(false))
                    .as(name)
                    .isTrue();
            assertThat(sc.path("runAsNonRoot")
                            .asBoolean(podSc.path("runAsNonRoot").asBoolean()))
                    .as(name)
                    .isTrue();
            assertThat(sc.path("runAsUser").asInt(9999)).as(name).isNotZero();
            assertThat(args(sc.at("/capabilities/drop"))).as(name).contains("ALL");
            assertThat(args(sc.at("/capabilities/add"))).as(name).isSubsetOf("NET_BIND_SERVICE");
            String seccomp = sc.at("/seccompProfile/type")
                    .asText(podSc.at("/seccompProfile/type").asText());
            assertThat(seccomp).as(name).isIn("RuntimeDefault", "Localhost");
            for (JsonNode port : c.path("ports")) {
                assertThat(port.has("hostPort")).as(name).isFalse();
            }
        }
    }

    private static List<String> emptyDirMounts(JsonNode pod, JsonNode container) {
        Set<String> emptyDirs = new java.util.HashSet<>();
        pod.path("volumes").forEach(v -> {
            if (v.has("emptyDir")) {
                emptyDirs.add(v.path("name").asText());
            }
        });
        List<String> paths = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> {
            if (emptyDirs.contains(m.path("name").asText())) {
                paths.add(m.path("mountPath").asText());
            }
        });
        return paths;
    }

    static List<JsonNode> allContainers(RenderedChart chart) {
        List<JsonNode> containers = new ArrayList<>();
        chart.ofKind("FlinkDeployment")
                .forEach(fd -> fd.at("/spec/podTemplate/spec/containers").forEach(containers::add));
        chart.ofKind("Job")
                .forEach(job -> job.at("/spec/template/spec/containers").forEach(containers::add));
        return containers;
    }

    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }

    private static List<String> envNames(JsonNode container) {
        return new ArrayList<>(env(container).keySet());
    }

    static void assertSecretRef(JsonNode envVar, String secret, String key) {
        assertThat(envVar).as("env var referencing %s/%s", secret, key).isNotNull();
        assertThat(envVar.has("value")).as(envVar.toString()).isFalse();
        assertThat(envVar.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo(secret);
        assertThat(envVar.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo(key);
    }

    /** Credentials are never literal env values or arguments, whatever they are called. */
    static void assertNoLiteralSecrets(JsonNode container) {
        Pattern secretish = Pattern.compile("(?i)password|passwd|secret|jaas|token|credential");
        container.path("env").forEach(e -> {
            String name = e.path("name").asText();
            if (name.endsWith("_FILE")) {
                // Names a mounted file (BARS_DB_PASSWORD_FILE): a path, never the secret itself.
                assertThat(e.path("value").asText()).as(e.toString()).startsWith("/etc/market-bars/");
            } else if (secretish.matcher(name).find()) {
                assertThat(e.has("value")).as(e.toString()).isFalse();
            }
        });
        List<String> commandLine = args(container.path("command"));
        commandLine.addAll(args(container.path("args")));
        assertThat(commandLine).noneMatch(a -> secretish.matcher(a).find());
    }

    private static boolean matches(JsonNode matchLabels, JsonNode labels) {
        for (var it = matchLabels.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> fromNamespaces(JsonNode rule) {
        return fromNamespaces(rule, "from");
    }

    /** The namespaces a rule's peers select by kubernetes.io/metadata.name. */
    private static List<String> fromNamespaces(JsonNode rule, String peers) {
        List<String> names = new ArrayList<>();
        rule.path(peers).forEach(peer -> {
            JsonNode selector = peer.path("namespaceSelector");
            if (!selector.isMissingNode()) {
                assertThat(selector.path("matchLabels").size()).isEqualTo(1);
                names.add(
                        selector.at("/matchLabels/kubernetes.io~1metadata.name").asText());
            }
        });
        return names;
    }

    private static List<Integer> tcpPorts(JsonNode rule) {
        List<Integer> ports = new ArrayList<>();
        rule.path("ports").forEach(p -> {
            assertThat(p.path("protocol").asText()).isEqualTo("TCP");
            ports.add(p.path("port").asInt());
        });
        return ports;
    }

    private static int hookWeight(JsonNode object) {
        return Integer.parseInt(
                object.at("/metadata/annotations").path("helm.sh/hook-weight").asText("0"));
    }

    static List<String> args(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array instanceof ArrayNode) {
            array.forEach(a -> out.add(a.asText()));
        }
        return out;
    }
}
