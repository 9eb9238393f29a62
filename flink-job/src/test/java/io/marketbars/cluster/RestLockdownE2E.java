package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.FlinkStandaloneCluster;
import io.marketbars.testing.SharedCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * The chart's REST setting on a real cluster: with {@code web.submit.enable: false} a JAR upload
 * through REST is refused, while what the Flink Kubernetes Operator does over REST still works. The
 * job is submitted the way {@code flink run} does against a REST address (RestClusterClient,
 * {@code POST /jobs} with a job graph; the operator's application clusters need no submission at
 * all, the JobManager runs {@code main()} itself), and the savepoint and stop-with-savepoint go
 * through the same RestClusterClient calls the operator makes. The job uses Flink's own classes
 * only, so the job graph carries no JAR.
 */
class RestLockdownE2E {

    @Test
    void jarUploadIsRefusedWhileSavepointsAndStopStillWork() throws Exception {
        Path home = SharedCluster.workDir().resolve("rest-lockdown");
        try (FlinkStandaloneCluster cluster =
                FlinkStandaloneCluster.start(home, 1, Map.of(), Map.of("web.submit.enable", false))) {
            FlinkRest rest = cluster.rest();

            // The Web UI is told, and the JAR endpoints are not there.
            assertThat(rest.get("/config").at("/features/web-submit").asBoolean(true))
                    .isFalse();
            Path jar = tinyJar(home.resolve("upload-attempt.jar"));
            assertThatThrownBy(() -> rest.uploadJar(jar))
                    .isInstanceOf(IOException.class)
                    .hasMessageMatching("(?s)HTTP 4\\d\\d from .*/jars/upload.*");
            assertThatThrownBy(() -> rest.get("/jars")).hasMessageMatching("(?s)HTTP 4\\d\\d .*");

            Configuration clientConf = new Configuration();
            URI web = URI.create(cluster.webUi());
            clientConf.set(RestOptions.ADDRESS, web.getHost());
            clientConf.set(RestOptions.PORT, web.getPort());
            try (RestClusterClient<StandaloneClusterId> client =
                    new RestClusterClient<>(clientConf, StandaloneClusterId.getInstance())) {
                JobID jobId = client.submitJob(numbersJob()).get(60, TimeUnit.SECONDS);
                FlinkRest.await(
                        () -> rest.job(jobId.toHexString()),
                        j -> {
                            try {
                                return rest.allTasksRunning(jobId.toHexString());
                            } catch (IOException e) {
                                return false;
                            }
                        },
                        Duration.ofSeconds(90),
                        "all tasks of " + jobId + " running");

                String savepoints = home.resolve("savepoints").toUri().toString();
                String savepoint = client.triggerSavepoint(jobId, savepoints, SavepointFormatType.CANONICAL)
                        .get(90, TimeUnit.SECONDS);
                assertThat(Path.of(URI.create(savepoint)).resolve("_metadata")).isRegularFile();
                assertThat(client.getJobStatus(jobId).get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);

                String stopped = client.stopWithSavepoint(jobId, false, savepoints, SavepointFormatType.CANONICAL)
                        .get(90, TimeUnit.SECONDS);
                assertThat(Path.of(URI.create(stopped)).resolve("_metadata")).isRegularFile();
                assertThat(stopped).isNotEqualTo(savepoint);
                FlinkRest.await(
                        () -> rest.job(jobId.toHexString()),
                        j -> "FINISHED".equals(j.path("state").asText()),
                        Duration.ofSeconds(60),
                        jobId + " finished");
            }
        }
    }

    /** An endless source into a discarding sink: Flink's classes only, so no JAR travels with it. */
    private static JobGraph numbersJob() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE / 2)
                .name("numbers")
                .sinkTo(new DiscardingSink<>())
                .name("discard");
        return env.getStreamGraph().getJobGraph();
    }

    /** Any JAR: the endpoint is missing whatever the upload holds. */
    private static Path tinyJar(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        try (OutputStream out = Files.newOutputStream(path);
                JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return path;
    }
}
