package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.marketbars.testing.BarOracle;
import io.marketbars.testing.BarRows;
import io.marketbars.testing.FlinkRest;
import io.marketbars.testing.MarketTape;
import io.marketbars.testing.MarketTape.Entry;
import io.marketbars.testing.MarketTape.Kind;
import io.marketbars.testing.SharedCluster;
import io.marketbars.testing.TapeFeed;
import io.marketbars.testing.TestServices;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Savepoints of released versions, kept in {@code src/test/resources/savepoints/<version>/}, must
 * restore into the current code with {@code allowNonRestoredState=false} and end with exactly the
 * oracle's rows. Each savepoint was taken with every tick of its tape's first 40 seconds inside the
 * job's state (pending ticks, sequence numbers, open windows, Kafka offsets) and no bar written
 * yet, so the rows only come out right if all of that state is read back.
 *
 * <p>Refresh the current version's savepoint at a release (one command, about a minute):
 * <pre>
 * ./mvnw -pl flink-job verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=SavepointCompatibilityE2E -Dsavepoint.regenerate=true
 * </pre>
 * then commit the new directory. Older versions' directories stay: each one is a promise that
 * users upgrading from that version keep their state.
 */
class SavepointCompatibilityE2E {
    private static final Logger LOG = LoggerFactory.getLogger(SavepointCompatibilityE2E.class);

    static final String VERSION =
            System.getProperty("project.version", "0.1.0-SNAPSHOT").replace("-SNAPSHOT", "");
    static final Path RESOURCES = Path.of(System.getProperty("savepoint.resources", "src/test/resources/savepoints"))
            .toAbsolutePath();
    static final String DESCRIPTION = "tape.properties";
    static final String SAVEPOINT = "savepoint";

    /** Topics this JVM has filled, and how many tape records each holds. */
    private static final Map<String, Integer> PUBLISHED = new HashMap<>();

    @Test
    void everyCommittedSavepointRestoresAllItsStateIntoTheCurrentJob() throws Exception {
        if (Boolean.getBoolean("savepoint.regenerate")) {
            regenerate(RESOURCES.resolve(VERSION));
        }
        List<Path> versions;
        try (Stream<Path> dirs = Files.list(RESOURCES)) {
            versions = dirs.filter(d -> Files.exists(d.resolve(DESCRIPTION)))
                    .sorted()
                    .toList();
        }
        assertThat(versions).as("savepoints under %s", RESOURCES).isNotEmpty();
        for (Path version : versions) {
            restore(version);
        }
    }

    private static MarketTape tape(Properties p) {
        return MarketTape.generate(
                Long.parseLong(p.getProperty("seed")),
                Integer.parseInt(p.getProperty("symbols")),
                Integer.parseInt(p.getProperty("minutes")),
                Integer.parseInt(p.getProperty("ticksPerMinute")),
                Integer.parseInt(p.getProperty("partitions")),
                2_000L,
                4 * 60_000L);
    }

    /** Takes the current version's savepoint: the first 40 s of a tiny tape, all of it still in state. */
    static void regenerate(Path target) throws Exception {
        Properties p = new Properties();
        p.setProperty("seed", "20241202");
        p.setProperty("symbols", "8");
        p.setProperty("minutes", "3");
        p.setProperty("ticksPerMinute", "16");
        p.setProperty("partitions", "2");
        p.setProperty("topic", "savepoint_compat_" + VERSION.replaceAll("[^A-Za-z0-9]", "_"));
        MarketTape tape = tape(p);
        long cutMicros = (tape.start.toEpochMilli() + 40_000L) * 1000L;
        int cut = 0;
        while (tape.records.get(cut).tsMicros < cutMicros) {
            cut++;
        }
        p.setProperty("recordsInSavepoint", Integer.toString(cut));
        String topic = p.getProperty("topic");
        publish(topic, tape, cut);

        ClusterE2E.Setup setup = ClusterE2E.Setup.forTopic("savepoint_gen", topic);
        FlinkRest rest = SharedCluster.get().rest();
        String jobId = rest.runJar(SharedCluster.jarId(), setup.args(), 2, null, false);
        ClusterE2E.awaitRunning(jobId, Duration.ofSeconds(60));
        List<Entry> saved = tape.records.subList(0, cut);
        long parsed = saved.stream().filter(e -> e.kind != Kind.MALFORMED).count();
        Map<String, JsonNode> m = ClusterE2E.awaitMetrics(jobId, "ticksIn", parsed, Duration.ofSeconds(60), "ticksIn");
        assertThat(ClusterE2E.sum(m, "ticksIn")).isEqualTo(parsed);
        String location = rest.stopWithSavepoint(
                jobId, SharedCluster.workDir().resolve("savepoints").toUri().toString(), Duration.ofSeconds(60));
        assertThat(BarRows.read(setup.dbUrl()))
                .as("no bar written: everything is in the savepoint")
                .isEmpty();

        if (Files.exists(target)) {
            try (Stream<Path> old = Files.walk(target)) {
                old.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        Path source = Path.of(URI.create(location));
        Path copy = target.resolve(SAVEPOINT);
        long bytes = 0;
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                    bytes += Files.size(f);
                }
            }
        }
        p.setProperty("jobVersion", VERSION);
        p.setProperty("flinkVersion", org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
        p.setProperty("created", Instant.now().toString());
        try (Writer w = Files.newBufferedWriter(target.resolve(DESCRIPTION))) {
            p.store(
                    w,
                    "Savepoint of market-bars " + VERSION + " taken by SavepointCompatibilityE2E; " + cut
                            + " tape records in state, no bar written");
        }
        LOG.info("Savepoint of {} ({} bytes, {} records in state) written to {}", VERSION, bytes, cut, target);
    }

    /** Restores one version's savepoint, plays the rest of its tape, and checks every row. */
    static void restore(Path version) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(version.resolve(DESCRIPTION))) {
            p.load(r);
        }
        MarketTape tape = tape(p);
        int cut = Integer.parseInt(p.getProperty("recordsInSavepoint"));
        String topic = p.getProperty("topic");
        // The savepoint's Kafka state names this topic and its offsets: the tape must sit at the same ones.
        publish(topic, tape, tape.records.size());

        ClusterE2E.Setup setup = ClusterE2E.Setup.forTopic("savepoint_restore", topic);
        FlinkRest rest = SharedCluster.get().rest();
        String savepoint = version.resolve(SAVEPOINT).toUri().toString();
        String jobId = rest.runJar(SharedCluster.jarId(), setup.args(), 2, savepoint, false);
        try (TapeFeed feed = new TapeFeed(topic)) {
            ClusterE2E.awaitRunning(jobId, Duration.ofSeconds(60));
            JsonNode restored = FlinkRest.await(
                            () -> rest.checkpoints(jobId),
                            c -> c.path("latest").path("restored").hasNonNull("id"),
                            Duration.ofSeconds(30),
                            "restore info")
                    .path("latest")
                    .path("restored");
            assertThat(restored.path("is_savepoint").asBoolean()).isTrue();
            int closing = feed.sendClosingTicks(
                    tape, Integer.parseInt(p.getProperty("minutes")), ClusterE2E.CLOSE_AFTER_MILLIS);

            ClusterE2E.awaitRows(setup.dbUrl(), BarOracle.expectedRows(tape), Duration.ofSeconds(90));
            long parsedAfter = tape.records.subList(cut, tape.records.size()).stream()
                    .filter(e -> e.kind != Kind.MALFORMED)
                    .count();
            Map<String, JsonNode> m =
                    ClusterE2E.awaitMetrics(jobId, "ticksIn", parsedAfter + closing, Duration.ofSeconds(30), "ticksIn");
            assertThat(ClusterE2E.sum(m, "ticksIn"))
                    .as("resumed at the saved offsets, not from the start")
                    .isEqualTo(parsedAfter + closing);
            LOG.info(
                    "Savepoint of {} (Flink {}) restored and matched the oracle",
                    p.getProperty("jobVersion"),
                    p.getProperty("flinkVersion"));
        } finally {
            rest.cancel(jobId);
        }
    }

    private static void publish(String topic, MarketTape tape, int upTo) throws Exception {
        int already;
        synchronized (PUBLISHED) {
            already = PUBLISHED.getOrDefault(topic, -1);
            if (already < 0) {
                TestServices.kafka().createTopic(topic, tape.partitions);
                already = 0;
            }
            PUBLISHED.put(topic, Math.max(already, upTo));
        }
        if (upTo > already) {
            try (TapeFeed feed = new TapeFeed(topic)) {
                feed.sendAll(tape.records.subList(already, upTo));
            }
        }
    }
}
