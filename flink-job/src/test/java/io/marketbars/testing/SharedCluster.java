package io.marketbars.testing;

import io.marketbars.config.JobOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One standalone Flink cluster per test JVM for the end-to-end tests, started on first use with
 * the job JAR uploaded once, and stopped when the JVM exits. Tests stay independent: each runs its
 * own job on its own topic and database and cancels or stops it when done.
 */
public final class SharedCluster {
    /**
     * The database password, set in the JobManager's environment only: a REST submission runs the
     * job's {@code main} there, whose start-up checks read it. The job graph does not carry it, so
     * the TaskManagers' sinks connect without one, which the embedded PostgreSQL accepts (it trusts
     * loopback; {@code DbPasswordFileIT} is where a password is checked).
     */
    public static final Map<String, String> JOB_MANAGER_ENV = Map.of(JobOptions.DB_PASSWORD_ENV, "e2e-password");

    private static FlinkStandaloneCluster cluster;
    private static String jarId;

    private SharedCluster() {}

    public static synchronized FlinkStandaloneCluster get() {
        if (cluster == null) {
            Path home = workDir().resolve("cluster-" + ProcessHandle.current().pid());
            cluster = FlinkStandaloneCluster.start(home, 2, JOB_MANAGER_ENV);
            FlinkStandaloneCluster started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "stop-flink-cluster"));
        }
        return cluster;
    }

    /** The shaded job JAR, uploaded through the REST API once; its jar id. */
    public static synchronized String jarId() {
        if (jarId == null) {
            try {
                jarId = get().rest().uploadJar(jobJar());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return jarId;
    }

    public static Path jobJar() {
        return Path.of(System.getProperty("job.jar", "target/market-bars-job-0.1.0-SNAPSHOT.jar"))
                .toAbsolutePath();
    }

    public static Path workDir() {
        return Path.of(System.getProperty("e2e.workdir", "target/e2e")).toAbsolutePath();
    }
}
