package io.marketbars.sources;

import io.marketbars.config.KafkaEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks at start that the topics a job or a tool is pointed at exist. Without it, a typo in a topic option is
 * only an {@code UnknownTopicOrPartitionException} in the log of a job that restarts forever.
 */
public final class KafkaTopics {
    /** How long the broker may take to answer; a job that cannot reach Kafka at all fails after this. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private KafkaTopics() {}

    /**
     * Throws an {@link IllegalStateException} naming every missing topic and the option that named it, or an
     * {@link Unreachable} when the broker does not answer within {@code timeout}.
     *
     * @param topicsByOption option name (such as {@code --trades-topic}) to topic
     * @param clientProperties the job's Kafka client settings (SASL, TLS), as its sources use them
     */
    public static void requireExist(
            String bootstrapServers,
            Properties clientProperties,
            Map<String, String> topicsByOption,
            Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "market-bars-topic-check");
        List<String> missing = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(withoutUnknownSettings(props))) {
            Map<String, KafkaFuture<?>> described = new LinkedHashMap<>();
            for (String topic : topicsByOption.values()) {
                described.computeIfAbsent(
                        topic, t -> admin.describeTopics(List.of(t)).allTopicNames());
            }
            for (Map.Entry<String, String> e : topicsByOption.entrySet()) {
                try {
                    described.get(e.getValue()).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add("'" + e.getValue() + "' (" + e.getKey() + ")");
                    } else if (ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                        // The client's own deadline (default.api.timeout.ms), the same bound as ours.
                        throw notAnswered(bootstrapServers, timeout, e);
                    } else {
                        throw new IllegalStateException(
                                "Cannot check Kafka topic '" + e.getValue() + "' (" + e.getKey() + ") at "
                                        + bootstrapServers + ": "
                                        + ex.getCause().getMessage(),
                                ex.getCause());
                    }
                } catch (TimeoutException ex) {
                    throw notAnswered(bootstrapServers, timeout, e);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while checking Kafka topics", ex);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException((missing.size() == 1 ? "Kafka topic " : "Kafka topics ")
                    + String.join(", ", missing) + (missing.size() == 1 ? " does" : " do") + " not exist at "
                    + bootstrapServers + ": create " + (missing.size() == 1 ? "it" : "them")
                    + " or correct the option.");
        }
    }

    private static Unreachable notAnswered(String bootstrapServers, Duration timeout, Map.Entry<String, String> topic) {
        return new Unreachable("Kafka at " + bootstrapServers + " did not answer within " + timeout.toSeconds()
                + " s while checking topic '" + topic.getValue() + "' (" + topic.getKey() + ")");
    }

    /** No answer within the bound: nothing is known about the topics, which is not the same as a missing one. */
    public static final class Unreachable extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    /** Consumer- and producer-only settings (isolation.level, acks) would only make the admin client warn. */
    private static Properties withoutUnknownSettings(Properties props) {
        Properties admin = new Properties();
        for (String name : props.stringPropertyNames()) {
            // The config providers too: without them a ${env:...} or ${file:...} reference (how the
            // job passes secret settings) would reach the client unresolved.
            if (AdminClientConfig.configNames().contains(name) || KafkaEnvironment.isProviderSetting(name)) {
                admin.setProperty(name, props.getProperty(name));
            }
        }
        return admin;
    }
}
