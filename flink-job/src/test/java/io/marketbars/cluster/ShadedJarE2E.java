package io.marketbars.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.testing.SharedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The shaded JAR carries exactly what a Flink 2.2 distribution's {@code lib/} does not: our code,
 * the Kafka and JDBC connectors, kafka-clients with its compression codecs, pgjdbc, Flyway and
 * Jackson; never Flink itself, flink-connector-base, commons-lang3 or logging, which the cluster
 * provides (and loads parent-first, so a second copy would at best be dead weight). It needs the
 * packaged JAR, hence the {@code E2E} suffix: it runs in {@code verify}, after {@code package}.
 */
class ShadedJarE2E {

    @Test
    void containsTheConnectorsAndNothingTheDistributionProvides() throws IOException {
        Set<String> entries = new TreeSet<>();
        String manifestMain;
        String drivers;
        try (JarFile jar = new JarFile(SharedCluster.jobJar().toFile())) {
            jar.stream().map(ZipEntry::getName).forEach(entries::add);
            manifestMain = jar.getManifest().getMainAttributes().getValue("Main-Class");
            try (InputStream in = jar.getInputStream(jar.getEntry("META-INF/services/java.sql.Driver"))) {
                drivers = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        assertThat(manifestMain).isEqualTo("io.marketbars.BarsJob");
        assertThat(drivers).contains("org.postgresql.Driver");
        assertThat(entries)
                .contains(
                        "io/marketbars/BarsJob.class",
                        "io/marketbars/sinks/MeteredJdbcSink.class",
                        "org/apache/flink/connector/kafka/source/KafkaSource.class",
                        "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                        "org/apache/flink/connector/jdbc/core/datastream/sink/JdbcSink.class",
                        "org/apache/kafka/clients/consumer/KafkaConsumer.class",
                        "com/github/luben/zstd/Zstd.class",
                        "org/postgresql/Driver.class",
                        "org/flywaydb/core/Flyway.class",
                        "com/fasterxml/jackson/core/JsonFactory.class",
                        "com/fasterxml/jackson/databind/ObjectMapper.class",
                        "db/migration/V1__ohlcv_1m.sql");
        assertThat(entries)
                .as("test-only code stays out of the production JAR")
                .noneMatch(e -> e.startsWith("io/marketbars/testing/")
                        || e.startsWith("io/marketbars/local/")
                        || e.startsWith("org/junit/")
                        || e.startsWith("kafka/server/")
                        || e.startsWith("io/zonky/"));

        List<String> forbidden = List.of(
                "org/apache/flink/runtime/",
                "org/apache/flink/streaming/api/",
                "org/apache/flink/api/",
                "org/apache/flink/configuration/",
                "org/apache/flink/core/",
                "org/apache/flink/util/",
                "org/apache/flink/metrics/",
                "org/apache/flink/connector/base/",
                "org/apache/flink/shaded/",
                "org/apache/logging/log4j/",
                "org/slf4j/",
                "org/apache/commons/lang3/",
                "org/checkerframework/",
                "javax/annotation/");
        assertThat(entries)
                .as("classes the Flink distribution already provides")
                .noneMatch(e -> forbidden.stream().anyMatch(e::startsWith));

        // And, exactly: no class that is also in the cluster's lib/ (flink-dist's modules and their
        // dependencies, flink-connector-files, RocksDB, Log4j2), as the end-to-end cluster uses it.
        Set<String> provided = new TreeSet<>();
        for (String lib : Files.readString(
                        Path.of(System.getProperty("flink.cluster.classpath", "target/flink-cluster.classpath")))
                .trim()
                .split(java.io.File.pathSeparator)) {
            try (JarFile jar = new JarFile(lib)) {
                jar.stream()
                        .map(ZipEntry::getName)
                        .filter(n -> n.endsWith(".class") && !n.contains("module-info"))
                        .forEach(provided::add);
            }
        }
        assertThat(provided)
                .as("the cluster class path was read")
                .contains("org/apache/flink/runtime/taskexecutor/TaskManagerRunner.class");
        List<String> duplicated = new ArrayList<>();
        for (String e : entries) {
            // flink-shaded-jackson relocates jackson-core but leaves its Java 11+ overlays
            // (META-INF/versions/N/com/fasterxml/...) unrelocated: they overlay classes the
            // distribution does not have, so the job's Jackson is not provided by it.
            if (provided.contains(e) && !e.startsWith("META-INF/versions/")) {
                duplicated.add(e);
            }
        }
        assertThat(duplicated)
                .as("classes shaded although the distribution provides them")
                .isEmpty();
    }
}
