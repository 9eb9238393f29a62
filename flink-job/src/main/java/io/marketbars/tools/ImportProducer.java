package io.marketbars.tools;

import io.marketbars.config.KafkaEnvironment;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The import's Kafka producer settings: its own for throughput and safety, then the {@code KAFKA_*} environment. */
final class ImportProducer {
    private static final Logger LOG = LoggerFactory.getLogger(ImportProducer.class);

    static final String ENV_PREFIX = KafkaEnvironment.PREFIX;

    private static final Set<String> NOT_FROM_ENV = Set.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

    private ImportProducer() {}

    /**
     * The producer settings: throughput-oriented batching, lz4 when its codec is on the classpath,
     * idempotent delivery (so a retry cannot duplicate a trade), then the {@code KAFKA_*}
     * environment variables that name a producer setting ({@code KAFKA_SASL_JAAS_CONFIG} →
     * {@code sasl.jaas.config}), mapped as the job maps them ({@link KafkaEnvironment}). A value
     * may be a literal or, as for the job, a reference the producer resolves: {@code
     * ${file:/path:key}} (a mounted Secret) or {@code ${env:KAFKA_...}}. Other {@code KAFKA_*}
     * variables, such as {@code KAFKA_HEAP_OPTS} of Kafka's own scripts, are ignored. Values never
     * reach the log.
     */
    static Properties producerProperties(String bootstrapServers, Map<String, String> env) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, lz4Available() ? "lz4" : "none");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "import-csv");
        Properties fromEnv = KafkaEnvironment.clientProperties(env, ProducerConfig.configNames(), NOT_FROM_ENV, false);
        p.putAll(fromEnv);
        Set<String> applied = new TreeSet<>();
        fromEnv.stringPropertyNames().stream()
                .filter(name -> !KafkaEnvironment.isProviderSetting(name))
                .forEach(applied::add);
        if (!applied.isEmpty()) {
            LOG.info("Kafka producer settings from the environment: {}", applied);
        }
        return p;
    }

    /** kafka-clients declares lz4-java as a runtime dependency, which a trimmed classpath may lack. */
    static boolean lz4Available() {
        try {
            Class.forName("net.jpountz.lz4.LZ4Factory", false, ImportProducer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
