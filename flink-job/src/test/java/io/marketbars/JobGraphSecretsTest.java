package io.marketbars;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.sinks.CollapsingConnectionProvider;
import io.marketbars.sinks.ColumnType;
import io.marketbars.sinks.MeteredJdbcSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.statements.SimpleJdbcQueryStatement;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production job graph, built by the code path {@code run} uses with known secrets in its
 * environment and serialized as it travels to the JobManager (and into HA storage): neither the
 * stream graph (what a Flink 2 client submits) nor the job graph (vertex configurations, operator
 * coordinators, execution config) holds a secret's bytes. The control plants the same secrets the
 * way the job used to (the password in the JDBC connection options, the SASL secret in the Kafka
 * properties) and finds them, so this test can fail.
 */
class JobGraphSecretsTest {
    private static final String DB_SECRET = "db-secret-3f9c1e7a";
    private static final String FILE_SECRET = "db-file-secret-8d2b44c1";
    private static final String JAAS_SECRET = "jaas-secret-51e0a9d6";
    private static final String TRUSTSTORE_SECRET = "truststore-secret-c07f3b2e";

    private static Map<String, String> environment(String passwordFile) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                JobOptions.DB_PASSWORD_ENV,
                DB_SECRET,
                "KAFKA_SECURITY_PROTOCOL",
                "SASL_SSL",
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bars\" password=\""
                        + JAAS_SECRET + "\";",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                TRUSTSTORE_SECRET));
        if (passwordFile != null) {
            env.put(JobOptions.DB_PASSWORD_FILE_ENV, passwordFile);
        }
        return env;
    }

    private static final String[] ARGS = {
        "--mode", "live", "--db-url", "jdbc:postgresql://db:5432/bars", "--db-user", "bars_writer"
    };

    @Test
    void theProductionGraphHoldsNoSecret(@TempDir Path dir) throws Exception {
        Path passwordFile = dir.resolve("db-password");
        Files.writeString(passwordFile, FILE_SECRET);
        for (Map<String, String> env : List.of(environment(null), environment(passwordFile.toString()))) {
            JobOptions options = JobOptions.fromArgs(ARGS, env);
            assertThat(options.kafkaClientProperties().toString()).doesNotContain(JAAS_SECRET);
            byte[] serialized = productionGraph(options, e -> {});
            for (String secret : List.of(DB_SECRET, FILE_SECRET, JAAS_SECRET, TRUSTSTORE_SECRET)) {
                assertThat(contains(serialized, secret))
                        .as("%s in the serialized graph", secret)
                        .isFalse();
            }
            // What the graph does hold: references, resolved on the TaskManager.
            assertThat(contains(serialized, "${env:KAFKA_SASL_JAAS_CONFIG}")).isTrue();
            assertThat(contains(serialized, "bars_writer")).isTrue();
        }
    }

    @Test
    void controlTheSecretsPlantedTheOldWayAreFound() throws Exception {
        JobOptions options = JobOptions.fromArgs(ARGS, environment(null));
        byte[] serialized = productionGraph(options, env -> {
            Properties oldKafka = new Properties();
            oldKafka.setProperty("sasl.jaas.config", JAAS_SECRET);
            env.fromData("x")
                    .sinkTo(KafkaSink.<String>builder()
                            .setBootstrapServers(options.bootstrapServers)
                            .setKafkaProducerConfig(oldKafka)
                            .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                                    .setTopic("t")
                                    .setValueSerializationSchema(new SimpleStringSchema())
                                    .build())
                            .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                            .build())
                    .name("old Kafka sink");
            JdbcConnectionOptions oldJdbc = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                    .withUrl(options.dbUrl)
                    .withUsername(options.dbUser)
                    .withPassword(options.dbPassword())
                    .build();
            env.fromData("y")
                    .returns(Types.STRING)
                    .sinkTo(new MeteredJdbcSink<>(
                            new CollapsingConnectionProvider(
                                    new SimpleJdbcConnectionProvider(oldJdbc),
                                    "INSERT INTO t VALUES (?)",
                                    1,
                                    List.of(ColumnType.TEXT)),
                            JdbcExecutionOptions.defaults(),
                            new SimpleJdbcQueryStatement<String>(
                                    "INSERT INTO t VALUES (?)", (ps, s) -> ps.setString(1, s))))
                    .name("old JDBC sink");
        });
        assertThat(contains(serialized, DB_SECRET)).isTrue();
        assertThat(contains(serialized, JAAS_SECRET)).isTrue();
    }

    /**
     * The graph as {@link BarsJob#run} defines it, plus {@code extra}, serialized: the stream graph
     * with its user-defined objects, then the job graph and, separately, each vertex's configuration.
     */
    private static byte[] productionGraph(JobOptions options, Consumer<StreamExecutionEnvironment> extra)
            throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(BarsJob.configuration(options));
        BarsJob.configure(env, options);
        BarsPipeline.define(env, BarsJob.productionSources(options), BarsJob.productionSinks(options), options);
        extra.accept(env);
        StreamGraph streamGraph = env.getStreamGraph(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        streamGraph.serializeUserDefinedInstances();
        out.write(InstantiationUtil.serializeObject(streamGraph));
        JobGraph jobGraph = env.getStreamGraph().getJobGraph();
        out.write(InstantiationUtil.serializeObject(jobGraph));
        List<byte[]> parts = new ArrayList<>();
        for (JobVertex vertex : jobGraph.getVertices()) {
            parts.add(InstantiationUtil.serializeObject(vertex.getConfiguration()));
            for (var coordinator : vertex.getOperatorCoordinators()) {
                parts.add(coordinator.getByteArray());
            }
        }
        parts.add(jobGraph.getSerializedExecutionConfig().getByteArray());
        parts.add(InstantiationUtil.serializeObject(jobGraph.getJobConfiguration()));
        for (byte[] part : parts) {
            out.write(part);
        }
        assertThat(jobGraph.getUserArtifacts()).isEmpty();
        return out.toByteArray();
    }

    private static boolean contains(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
