package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.marketbars.testing.EmbeddedZooKeeper;
import io.marketbars.testing.FaultTape;
import io.marketbars.testing.FeedTape;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.FlinkStandaloneCluster;
import io.marketbars.testing.FlinkStandaloneCluster.HighAvailability;
import io.marketbars.testing.FlinkStandaloneCluster.JobManagerProcess;
import io.marketbars.testing.SharedCluster;
import io.marketbars.testing.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault suite, JobManager loss: a standalone session cluster with ZooKeeper high availability (a
 * real ZooKeeper server), a leading and a standby JobManager, runs the shaded JAR while trades,
 * index values and foreign-flow snapshots flow. The leader is SIGKILLed mid-stream; once its
 * ZooKeeper session expires (the default 60 s) the standby takes over, recovers the same job from
 * the job graph store and its latest checkpoint from the checkpoint store, and the three tables end
 * equal to the oracles with every planted bad record dead-lettered exactly once. Timeouts, heartbeats
 * and session settings are the defaults: the takeover takes as long as it would in production.
 */
class JobManagerFailoverE2E {
    private static final Logger LOG = LoggerFactory.getLogger(JobManagerFailoverE2E.class);
    private static final String CLUSTER_ID = "/jm_failover";
    /** high-availability.zookeeper.path.root (default /flink) and the cluster id. */
    private static final String CLUSTER_ZNODE = "/flink" + CLUSTER_ID;

    @Test
    void aStandbyJobManagerTakesOverAfterSigkillAndTheJobEndsEqualToTheOracles() throws Exception {
        FaultTape tape = FaultTape.generate(20251203L);
        FaultTape.Topics topics = FaultTape.Topics.create("e2e_jm");
        String db = TestServices.migratedDatabase("e2e_jm", FeedTape.ZONE);
        Path home = SharedCluster.workDir()
                .resolve("jm-failover-" + ProcessHandle.current().pid());
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(home.resolve("zookeeper"));
                FlinkStandaloneCluster cluster = FlinkStandaloneCluster.startHighlyAvailable(
                        home.resolve("cluster"),
                        2,
                        SharedCluster.JOB_MANAGER_ENV,
                        new HighAvailability(zk.connectString(), CLUSTER_ID),
                        2)) {
            JobManagerProcess first = cluster.awaitLeader(Duration.ofSeconds(30));
            JobManagerProcess standby = cluster.jobManagers().stream()
                    .filter(jm -> jm != first)
                    .findFirst()
                    .orElseThrow();
            FlinkRest rest = first.rest();
            List<String> args = ClusterE2E.FaultRun.args(topics, db, home.resolve("checkpoints"));
            String jobId = rest.runJar(rest.uploadJar(SharedCluster.jobJar()), args, 2, null, false);

            // The job reads from the earliest offsets: the feed may start while its tasks deploy.
            try (FaultTape.Publisher publisher =
                    tape.publish(topics, TestServices.kafka().producerProps(), Duration.ofSeconds(90))) {
                awaitAllTasksRunning(rest, jobId, Duration.ofSeconds(90));
                publisher.awaitProgress(0.2, Duration.ofSeconds(60));
                JsonNode before = FlinkRest.await(
                        () -> rest.checkpoints(jobId),
                        c -> c.path("counts").path("completed").asInt() >= 2,
                        Duration.ofSeconds(60),
                        "two checkpoints mid-stream");
                long latestBefore =
                        before.path("latest").path("completed").path("id").asLong();
                assertThat(standby.rest().get("/jobs/overview").findValuesAsText("jid"))
                        .as("a standby's REST API answers for the leader")
                        .containsExactly(jobId);
                int sentAtKill = publisher.sent();

                long killed = System.nanoTime();
                long killedWall = System.currentTimeMillis();
                assertThat(cluster.killJobManager(first)).as("SIGKILL: 128 + 9").isEqualTo(137);

                JobManagerProcess leader = cluster.awaitLeader(Duration.ofSeconds(120));
                double leaderSeconds = (System.nanoTime() - killed) / 1e9;
                assertThat(leader).as("the standby leads").isEqualTo(standby);
                FlinkRest standbyRest = leader.rest();
                FlinkRest.await(
                        () -> jobsOverview(standbyRest),
                        o -> o.findValuesAsText("jid").contains(jobId),
                        Duration.ofSeconds(60),
                        "the same job, recovered from the job graph store");
                awaitAllTasksRunning(standbyRest, jobId, Duration.ofSeconds(90));
                double tasksRunningSeconds = (System.nanoTime() - killed) / 1e9;
                JsonNode after = FlinkRest.await(
                        () -> standbyRest.checkpoints(jobId),
                        c -> c.path("latest").path("restored").hasNonNull("id")
                                && c.path("latest")
                                                .path("completed")
                                                .path("latest_ack_timestamp")
                                                .asLong()
                                        > killedWall,
                        Duration.ofSeconds(60),
                        "a restore and a new completed checkpoint");
                double checkpointSeconds = (System.nanoTime() - killed) / 1e9;
                JsonNode restored = after.path("latest").path("restored");
                assertThat(restored.path("id").asLong())
                        .as("the newest checkpoint, not an older one")
                        .isGreaterThanOrEqualTo(latestBefore);
                assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
                assertThat(restored.path("restore_timestamp").asLong()).isGreaterThan(killedWall);
                String report = String.format(
                        "Recovery after SIGKILL of the leading JobManager (%d of %d records sent):"
                                + " standby leads after %.1f s, all tasks RUNNING after %.1f s, first new completed checkpoint after"
                                + " %.1f s (restored checkpoint %d, latest completed before the kill %d)",
                        sentAtKill,
                        tape.records.size(),
                        leaderSeconds,
                        tasksRunningSeconds,
                        checkpointSeconds,
                        restored.path("id").asLong(),
                        latestBefore);
                LOG.info(report);
                System.out.println(report);

                publisher.await(Duration.ofMinutes(2));
                long waited = tape.awaitOracle(db, topics, Duration.ofSeconds(90), () -> isRunning(standbyRest, jobId));
                String rows = String.format(
                        "Equal to the oracles %d ms after the last record: ohlcv_1m %d rows, basis_1m %d,"
                                + " foreign_flow_1m %d, dead letters %d (of %d records published)",
                        waited,
                        tape.ohlcvRows().size(),
                        tape.basisRows().size(),
                        tape.flowRows().size(),
                        tape.expectedDeadLetters(topics).size(),
                        tape.records.size());
                LOG.info(rows);
                System.out.println(rows);
            }

            // A clean stop: cancel the job, then shut the cluster down through the leader (which also
            // removes the cluster's high-availability data); close() then stops the TaskManager.
            JobManagerProcess leader = cluster.awaitLeader(Duration.ofSeconds(5));
            leader.rest().cancel(jobId);
            FlinkRest.await(
                    () -> leader.rest().job(jobId),
                    j -> "CANCELED".equals(j.path("state").asText()),
                    Duration.ofSeconds(30),
                    "the job to be cancelled");
            assertThat(zk.exists(CLUSTER_ZNODE))
                    .as("the cluster's znode, while it runs")
                    .isTrue();
            leader.rest().shutDownCluster();
            assertThat(leader.process().waitFor(60, TimeUnit.SECONDS))
                    .as("the leader exits")
                    .isTrue();
            assertThat(leader.process().exitValue()).as("a clean exit").isZero();
            try (var files = Files.walk(home.resolve("cluster").resolve("ha"))) {
                assertThat(files.filter(Files::isRegularFile).toList())
                        .as("job graphs, blobs and job results removed from the HA storage")
                        .isEmpty();
            }
            assertThat(zk.exists(CLUSTER_ZNODE))
                    .as("the cluster's znode removed")
                    .isFalse();
        }
    }

    /** Waits for every task RUNNING; the REST API may refuse while leadership changes hands. */
    static void awaitAllTasksRunning(FlinkRest rest, String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                if (rest.allTasksRunning(jobId)) {
                    return;
                }
                JsonNode job = rest.job(jobId);
                last = job.path("state").asText();
                assertThat(last).as("job " + jobId).isNotIn("FAILED", "FINISHED", "CANCELED");
            } catch (IOException e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Job " + jobId + " not RUNNING after " + timeout + ": " + last);
    }

    private static JsonNode jobsOverview(FlinkRest rest) {
        try {
            return rest.get("/jobs/overview");
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    private static boolean isRunning(FlinkRest rest, String jobId) {
        try {
            return "RUNNING".equals(rest.job(jobId).path("state").asText());
        } catch (IOException e) {
            return true; // a REST hiccup is not the end of the job; awaitOracle's patience still bounds the wait
        }
    }
}
