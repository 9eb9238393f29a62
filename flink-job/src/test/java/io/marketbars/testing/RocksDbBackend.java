package io.marketbars.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collection;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.client.JobStatusMessage;

/**
 * Runs a test's jobs on the RocksDB state backend with incremental checkpoints, as the chart's
 * {@code stateBackend: rocksdb} does, and proves it did: the REST API names each job's state
 * backend (a finished job's checkpoints are deleted, so they cannot show it).
 */
public final class RocksDbBackend {
    private RocksDbBackend() {}

    /** {@code conf} switched to RocksDB with incremental checkpoints. */
    public static Configuration apply(Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return conf;
    }

    /** Every job the cluster ran so far ran on RocksDB. */
    public static void assertUsed(ClusterClient<?> client) throws Exception {
        Collection<JobStatusMessage> jobs = client.listJobs().get();
        assertThat(jobs).as("jobs run").isNotEmpty();
        HttpClient http = HttpClient.newHttpClient();
        for (JobStatusMessage job : jobs) {
            URI uri = URI.create(client.getWebInterfaceURL() + "/jobs/" + job.getJobId() + "/checkpoints/config");
            String body = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(body)
                    .as("checkpoint configuration of job %s", job.getJobName())
                    .contains("\"state_backend\":\"EmbeddedRocksDBStateBackend\"");
        }
    }
}
