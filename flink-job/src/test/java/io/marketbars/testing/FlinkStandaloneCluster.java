package io.marketbars.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone Flink session cluster as Flink's own scripts start it: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and a TaskManager ({@code TaskManagerRunner}), each
 * its own JVM, with the class path of the distribution's {@code lib/} (resolved by Maven into
 * {@code target/flink-cluster.classpath}), a generated {@code config.yaml}, memory settings
 * computed by {@code BashJavaUtils} exactly like {@code jobmanager.sh}/{@code taskmanager.sh}, and
 * logs under the work directory. Everything binds to loopback on free ports; the Prometheus
 * reporter is on. The TaskManager can be SIGKILLed and started again.
 *
 * <p>{@link #startHighlyAvailable} starts the same cluster with ZooKeeper high availability and
 * standby JobManagers (as {@code jobmanager.sh start <host> <webui-port>} does on each master
 * host), any of which can be SIGKILLed.
 */
public final class FlinkStandaloneCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkStandaloneCluster.class);

    /** The JVM options of the distribution's default config.yaml ({@code env.java.opts.all}) for Java 17. */
    private static final List<String> JAVA_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "-XX:+UseParallelGC");

    private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";

    private final Path home;
    private final Path confDir;
    private final Path logDir;
    private final String classpath;
    private final Map<String, String> jobManagerEnv;
    private final Map<String, String> taskManagerEnv;
    /** Log level of the Kafka clients; Flink's own log4j.properties has INFO. */
    private String kafkaLogLevel = "WARN";

    private final int restPort;
    private final int jobManagerPrometheusPort;
    private final int slots;
    private Process jobManager;
    private Process taskManager;
    private int taskManagerPrometheusPort;
    private int taskManagerStarts;
    private final FlinkRest rest;
    /** Every JobManager started, the first one included, in start order. */
    private final List<JobManagerProcess> jobManagers = new ArrayList<>();

    /** ZooKeeper high availability: the quorum and this cluster's id (its node under the root). */
    public record HighAvailability(String zookeeperQuorum, String clusterId) {}

    /** One JobManager process: the name of its log files, its REST port and API. */
    public record JobManagerProcess(String name, Process process, int restPort, FlinkRest rest) {
        public boolean isAlive() {
            return process.isAlive();
        }
    }

    private FlinkStandaloneCluster(
            Path home,
            String classpath,
            int slots,
            Map<String, String> jobManagerEnv,
            Map<String, String> taskManagerEnv) {
        this.home = home;
        this.confDir = home.resolve("conf");
        this.logDir = home.resolve("log");
        this.classpath = classpath;
        this.slots = slots;
        this.jobManagerEnv = jobManagerEnv;
        this.taskManagerEnv = taskManagerEnv;
        this.restPort = freePort();
        this.jobManagerPrometheusPort = freePort();
        this.rest = new FlinkRest("http://127.0.0.1:" + restPort);
    }

    /**
     * Starts a JobManager and one TaskManager with {@code slots} slots and waits until the slots are
     * registered. {@code jobManagerEnv} is added to the JobManager's environment: a REST submission
     * runs the job's {@code main} there, so that is where secrets such as the database password go.
     */
    public static FlinkStandaloneCluster start(Path home, int slots, Map<String, String> jobManagerEnv) {
        return start(home, slots, jobManagerEnv, Map.of());
    }

    /**
     * Like {@link #start(Path, int, Map)}, with {@code configuration} added to the written
     * {@code config.yaml} (keys the cluster does not set itself, e.g. {@code web.submit.enable}).
     */
    public static FlinkStandaloneCluster start(
            Path home, int slots, Map<String, String> jobManagerEnv, Map<String, Object> configuration) {
        FlinkStandaloneCluster cluster = create(home, slots, jobManagerEnv, Map.of());
        try {
            cluster.writeConfiguration();
            cluster.appendConfiguration(configuration);
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.rest.awaitSlots(slots, Duration.ofSeconds(90));
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Starts the cluster with ZooKeeper high availability and {@code jobManagers} JobManagers: the
     * first one, which is then the leader, the TaskManager, and once the slots are registered the
     * standbys, each with a REST endpoint of its own. Job graphs, blobs and checkpoint metadata
     * pointers are kept under {@code <home>/ha}, leadership and checkpoint ids in ZooKeeper.
     */
    public static FlinkStandaloneCluster startHighlyAvailable(
            Path home, int slots, Map<String, String> jobManagerEnv, HighAvailability ha, int jobManagers) {
        return create(home, slots, jobManagerEnv, Map.of()).startHighlyAvailable(ha, jobManagers);
    }

    /**
     * Like {@link #startHighlyAvailable(Path, int, Map, HighAvailability, int)}, with {@code
     * taskManagerEnv} added to every TaskManager's environment (where the job's sinks and Kafka
     * readers resolve their credentials, as the chart's pod template gives them), and the Kafka
     * clients logging at INFO as with Flink's own {@code log4j.properties} (each client's settings
     * are then in the logs) instead of WARN.
     */
    public static FlinkStandaloneCluster startHighlyAvailableWithKafkaLogs(
            Path home,
            int slots,
            Map<String, String> jobManagerEnv,
            Map<String, String> taskManagerEnv,
            HighAvailability ha,
            int jobManagers) {
        FlinkStandaloneCluster cluster = create(home, slots, jobManagerEnv, taskManagerEnv);
        cluster.kafkaLogLevel = "INFO";
        return cluster.startHighlyAvailable(ha, jobManagers);
    }

    private FlinkStandaloneCluster startHighlyAvailable(HighAvailability ha, int jobManagers) {
        FlinkStandaloneCluster cluster = this;
        try {
            cluster.writeConfiguration();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("high-availability.type", "zookeeper");
            c.put("high-availability.zookeeper.quorum", ha.zookeeperQuorum());
            c.put("high-availability.cluster-id", ha.clusterId());
            c.put("high-availability.storageDir", home.resolve("ha").toUri().toString());
            cluster.appendConfiguration(c);
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.rest.awaitSlots(slots, Duration.ofSeconds(90));
            cluster.awaitLeader(Duration.ofSeconds(30));
            for (int i = 1; i < jobManagers; i++) {
                cluster.startStandbyJobManager();
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static FlinkStandaloneCluster create(
            Path home, int slots, Map<String, String> jobManagerEnv, Map<String, String> taskManagerEnv) {
        String cpFile = System.getProperty("flink.cluster.classpath", "target/flink-cluster.classpath");
        String classpath;
        try {
            classpath = Files.readString(Path.of(cpFile)).trim();
            Files.createDirectories(home.resolve("conf"));
            Files.createDirectories(home.resolve("log"));
        } catch (IOException e) {
            throw new UncheckedIOException("No cluster class path at " + cpFile + " (run through `./mvnw verify`)", e);
        }
        return new FlinkStandaloneCluster(home, classpath, slots, jobManagerEnv, taskManagerEnv);
    }

    /**
     * Starts a cluster and keeps it up until the process is stopped, for trying the runbook's
     * commands by hand: {@code java -Dflink.cluster.classpath=flink-job/target/flink-cluster.classpath
     * -cp <test class path> io.marketbars.testing.FlinkStandaloneCluster <dir> [slots]}.
     */
    public static void main(String[] args) throws InterruptedException {
        FlinkStandaloneCluster cluster =
                start(Path.of(args[0]).toAbsolutePath(), args.length > 1 ? Integer.parseInt(args[1]) : 2, Map.of());
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        System.out.println("Web UI: " + cluster.webUi() + "  conf: " + cluster.confDir);
        Thread.currentThread().join();
    }

    public FlinkRest rest() {
        return rest;
    }

    public String webUi() {
        return "http://127.0.0.1:" + restPort;
    }

    public Path home() {
        return home;
    }

    public int jobManagerPrometheusPort() {
        return jobManagerPrometheusPort;
    }

    public int taskManagerPrometheusPort() {
        return taskManagerPrometheusPort;
    }

    public Process taskManager() {
        return taskManager;
    }

    private void writeConfiguration() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", freePort());
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", restPort);
        c.put("blob.server.port", "0");
        // The chart's (and Flink's own config.yaml's) JobManager size: with 640m the heap was 61 MiB,
        // and the shared cluster's JobManager ran out of it after a dozen jobs (metric dumps).
        c.put("jobmanager.memory.process.size", "1600m");
        c.put("taskmanager.memory.process.size", "1024m");
        c.put("taskmanager.memory.managed.size", "64m");
        c.put("taskmanager.numberOfTaskSlots", slots);
        c.put("parallelism.default", 1);
        c.put("execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString());
        c.put(
                "execution.checkpointing.savepoint-dir",
                home.resolve("savepoints").toUri().toString());
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", 1000);
        c.put("restart-strategy.fixed-delay.delay", "500 ms");
        // Heartbeats stay at Flink's defaults (10 s interval, 50 s timeout, 2 failed RPCs): the fault
        // suite's TaskManager kills must be noticed the way production notices them.
        // The Web UI and REST API refresh metrics every second instead of every 10 s.
        c.put("metrics.fetcher.update-interval", 1000);
        c.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.put("io.tmp.dirs", home.resolve("tmp").toString());
        c.put("web.upload.dir", home.resolve("upload").toString());
        StringBuilder yaml = new StringBuilder("# Written by FlinkStandaloneCluster for the end-to-end tests.\n");
        c.forEach((k, v) -> yaml.append(k)
                .append(": ")
                .append(v instanceof String s ? quote(s) : v)
                .append('\n'));
        String log4j = String.join(
                "\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.append = true",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = " + kafkaLogLevel,
                "");
        try {
            Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
            Files.writeString(confDir.resolve("log4j.properties"), log4j);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds settings to the written {@code config.yaml}. */
    private void appendConfiguration(Map<String, Object> c) {
        StringBuilder yaml = new StringBuilder();
        c.forEach((k, v) -> yaml.append(k)
                .append(": ")
                .append(v instanceof String s ? quote(s) : v)
                .append('\n'));
        try {
            Files.writeString(confDir.resolve("config.yaml"), yaml.toString(), java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private void startJobManager() {
        List<String> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        // Flink 2's entrypoint knows only --configDir and -D: its parser stops at the first option it
        // does not know (such as 1.x's --executionMode) and would silently drop every -D after it.
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(split(params.get(1)));
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + jobManagerPrometheusPort));
        jobManager = launch(
                "jobmanager",
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                split(params.get(0)),
                args,
                jobManagerEnv);
        jobManagers.add(new JobManagerProcess("jobmanager", jobManager, restPort, rest));
    }

    /**
     * Starts another JobManager with a REST port of its own; with high availability it waits as a
     * standby until the leader is gone (its ZooKeeper session expired).
     */
    public synchronized JobManagerProcess startStandbyJobManager() {
        List<String> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(split(params.get(1)));
        args.addAll(List.of("-D", "rest.port=" + port, "-D", "metrics.reporter.prom.port=" + freePort()));
        String name = "jobmanager-" + jobManagers.size();
        Process p = launch(
                name,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                split(params.get(0)),
                args,
                jobManagerEnv);
        JobManagerProcess jm = new JobManagerProcess(name, p, port, new FlinkRest("http://127.0.0.1:" + port));
        jobManagers.add(jm);
        return jm;
    }

    /** Every JobManager started, dead ones included, in start order. */
    public synchronized List<JobManagerProcess> jobManagers() {
        return List.copyOf(jobManagers);
    }

    /**
     * The live JobManager whose REST endpoint was granted leadership last and has not lost it, as
     * its log says ({@code grep 'granted leadership' log/jobmanager*.log} by hand), or null.
     */
    public synchronized JobManagerProcess leadingJobManager() {
        for (JobManagerProcess jm : jobManagers) {
            if (jm.isAlive()) {
                try {
                    List<String> events =
                            Files.readAllLines(logDir.resolve(jm.name() + ".log"), StandardCharsets.UTF_8).stream()
                                    .filter(l ->
                                            l.contains("WebMonitorEndpoint") || l.contains("DispatcherRestEndpoint"))
                                    .filter(l -> l.contains("was granted leadership") || l.contains("lost leadership"))
                                    .toList();
                    if (!events.isEmpty() && events.get(events.size() - 1).contains("was granted leadership")) {
                        return jm;
                    }
                } catch (IOException e) {
                    // No log yet.
                }
            }
        }
        return null;
    }

    /** Waits until a live JobManager leads; returns it. */
    public JobManagerProcess awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JobManagerProcess leader = leadingJobManager();
            if (leader != null) {
                return leader;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("No JobManager leads after " + timeout);
    }

    /** Kills a JobManager with SIGKILL; returns its exit code (137 = 128 + 9). */
    public int killJobManager(JobManagerProcess jm) {
        Process p = jm.process();
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(jm.name() + " " + p.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return p.exitValue();
    }

    /** Starts a (new) TaskManager process, as {@code taskmanager.sh start} would. */
    public synchronized void startTaskManager() {
        if (taskManager != null && taskManager.isAlive()) {
            throw new IllegalStateException("A TaskManager is still running");
        }
        List<String> params = resourceParams("GET_TM_RESOURCE_PARAMS");
        taskManagerPrometheusPort = freePort();
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(split(params.get(1)));
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + taskManagerPrometheusPort));
        taskManager = launch(
                "taskmanager-" + (taskManagerStarts++),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                split(params.get(0)),
                args,
                taskManagerEnv);
    }

    /**
     * Kills the TaskManager with SIGKILL (what {@link Process#destroyForcibly()} sends on Linux): no
     * shutdown hook, no goodbye to the JobManager. Returns the process's exit code (137 = 128 + 9).
     */
    public synchronized int killTaskManager() {
        Process tm = taskManager;
        tm.destroyForcibly();
        try {
            if (!tm.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("TaskManager " + tm.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return tm.exitValue();
    }

    /**
     * Runs {@code BashJavaUtils} like {@code config.sh}'s {@code runBashJavaUtilsCmd}: two result
     * lines, the JVM memory options and the derived memory settings as {@code -D} dynamic properties.
     */
    private List<String> resourceParams(String command) {
        List<String> cmd = new ArrayList<>(List.of(
                java(),
                "-classpath",
                classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command,
                "--configDir",
                confDir.toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(command + " failed:\n" + output);
            }
            List<String> results = output.lines()
                    .filter(l -> l.startsWith(EXEC_RESULT))
                    .map(l -> l.substring(EXEC_RESULT.length()).trim())
                    .toList();
            if (results.size() != 2) {
                throw new IllegalStateException(command + " returned " + results.size() + " results:\n" + output);
            }
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Process launch(
            String name, String mainClass, List<String> jvmParams, List<String> args, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmParams);
        cmd.addAll(JAVA_OPTS);
        cmd.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        cmd.add("-Dlog4j.configurationFile="
                + confDir.resolve("log4j.properties").toUri());
        cmd.add("-classpath");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".out").toFile());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            LOG.info("Started {} (pid {}): {}", name, p.pid(), String.join(" ", jvmParams));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    private static List<String> split(String line) {
        return line.isBlank() ? List.of() : Arrays.asList(line.trim().split("\\s+"));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tail of a process log, for assertion messages. */
    public String logTail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(logDir.resolve(name), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + name + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        List<Process> processes = new ArrayList<>();
        processes.add(taskManager);
        jobManagers.forEach(jm -> processes.add(jm.process()));
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }
}
