package io.marketbars.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording (settings "profile") around one benchmark run, and where its CPU samples went:
 * self samples by top frame, and by a coarse category (the innermost frame that belongs to one).
 * The embedded broker runs in the same JVM, so its samples are a category of their own; PostgreSQL
 * is another process and is not in the recording.
 */
final class JfrSummary {
    /** Categories in the order a stack is searched for them, innermost frame first. */
    private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();

    static {
        CATEGORIES.put(
                "Kafka broker (same JVM)",
                List.of(
                        "kafka.",
                        "org.apache.kafka.server",
                        "org.apache.kafka.storage",
                        "org.apache.kafka.raft",
                        "org.apache.kafka.controller",
                        "org.apache.kafka.network",
                        "org.apache.kafka.metadata",
                        "org.apache.kafka.coordinator"));
        CATEGORIES.put("metrics", List.of("org.apache.flink.metrics", "org.apache.flink.runtime.metrics", "Metrics"));
        CATEGORIES.put("Kafka client", List.of("org.apache.kafka.", "org.apache.flink.connector.kafka"));
        CATEGORIES.put(
                "JSON parsing",
                List.of(
                        "com.fasterxml.jackson",
                        "org.apache.flink.formats.json",
                        "org.apache.flink.shaded.jackson2",
                        "io.marketbars.sources."));
        CATEGORIES.put("decimal arithmetic", List.of("java.math."));
        CATEGORIES.put(
                "JDBC sink",
                List.of("org.postgresql", "org.apache.flink.connector.jdbc", "io.marketbars.sinks", "java.sql"));
        CATEGORIES.put(
                "serialization and network",
                List.of(
                        "io.marketbars.records.serialization",
                        "org.apache.flink.api.common.typeutils",
                        "org.apache.flink.api.java.typeutils",
                        "org.apache.flink.core.memory",
                        "org.apache.flink.runtime.io",
                        "org.apache.flink.table.runtime.typeutils",
                        "org.apache.flink.table.data"));
        CATEGORIES.put(
                "state and timers",
                List.of(
                        "org.apache.flink.runtime.state",
                        "org.apache.flink.streaming.api.operators.InternalTimer",
                        "org.apache.flink.streaming.api.operators.HeapInternalTimer",
                        "io.marketbars.functions"));
        CATEGORIES.put(
                "windows and aggregation",
                List.of(
                        "org.apache.flink.streaming.runtime.operators.windowing",
                        "io.marketbars.ohlcv",
                        "io.marketbars.common",
                        "org.apache.flink.table.runtime.operators",
                        "org.apache.flink.table.runtime.functions",
                        "org.apache.flink.table.runtime.generated",
                        "StreamExecCalc",
                        "WindowAggsHandler",
                        "Projection"));
        CATEGORIES.put(
                "Flink runtime (tasks, mailbox, checkpoints)",
                List.of("org.apache.flink.streaming", "org.apache.flink.runtime", "org.apache.flink."));
    }

    private JfrSummary() {}

    /** Runs {@code body} while recording into {@code file}; returns what the body returned. */
    static <T> T record(Path file, Callable<T> body) throws Exception {
        try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
            recording.setToDisk(true);
            recording.setDestination(file);
            recording.start();
            try {
                return body.call();
            } finally {
                recording.stop();
            }
        }
    }

    /** Prints the top methods by self samples, the categories, and the GC pauses of a recording. */
    static void print(Path file, int top) throws Exception {
        Map<String, Integer> methods = new HashMap<>();
        Map<String, Integer> categories = new LinkedHashMap<>();
        CATEGORIES.keySet().forEach(c -> categories.put(c, 0));
        categories.put("other (JDK, JVM, logging)", 0);
        int samples = 0;
        int gcs = 0;
        Duration gcPause = Duration.ZERO;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gcs++;
                gcPause = gcPause.plus(e.getDuration("sumOfPauses"));
            }
            if (!type.equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            methods.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
            categories.merge(category(stack.getFrames()), 1, Integer::sum);
        }
        int total = Math.max(1, samples);
        System.out.printf(
                "    %,d CPU samples; GC: %d collections, %d ms of pauses%n", samples, gcs, gcPause.toMillis());
        System.out.println("    by category:");
        categories.entrySet().stream()
                .filter(c -> c.getValue() > 0)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(c -> System.out.printf("      %5.1f%%  %s%n", 100.0 * c.getValue() / total, c.getKey()));
        System.out.println("    top methods (self):");
        methods.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(m -> System.out.printf("      %5.1f%%  %s%n", 100.0 * m.getValue() / total, m.getKey()));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static String category(List<RecordedFrame> frames) {
        for (Map.Entry<String, List<String>> c : CATEGORIES.entrySet()) {
            if (c.getKey().startsWith("Kafka broker")) {
                for (RecordedFrame f : frames) {
                    if (matches(f, c.getValue())) {
                        return c.getKey();
                    }
                }
            }
        }
        for (RecordedFrame f : frames) {
            for (Map.Entry<String, List<String>> c : CATEGORIES.entrySet()) {
                if (matches(f, c.getValue())) {
                    return c.getKey();
                }
            }
        }
        return "other (JDK, JVM, logging)";
    }

    private static boolean matches(RecordedFrame frame, List<String> prefixes) {
        String type = frame.getMethod().getType().getName();
        for (String p : prefixes) {
            if (Character.isUpperCase(p.charAt(0)) ? type.contains(p) : type.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
