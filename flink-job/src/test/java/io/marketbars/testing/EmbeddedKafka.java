package io.marketbars.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker inside this JVM, so that tests and the local run need neither Docker nor an
 * installed Kafka.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path logDir;
    /** What the broker was started with: {@link #startAgain()} starts the same node on the same dirs and ports. */
    private final Map<String, Object> brokerProperties;

    private KafkaRaftServer server;
    private final String bootstrapServers;
    /** The SASL_SSL listener's address, or null when the broker has none. */
    private final String saslSslBootstrapServers;

    private final Admin admin;
    private final Thread shutdownHook;
    private boolean closed;
    private boolean stopped;

    private EmbeddedKafka(
            Path logDir,
            Map<String, Object> brokerProperties,
            KafkaRaftServer server,
            String bootstrapServers,
            String saslSslBootstrapServers) {
        this.logDir = logDir;
        this.brokerProperties = brokerProperties;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.saslSslBootstrapServers = saslSslBootstrapServers;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        // A Ctrl-C of the local run must not leave a broker's log dir behind.
        this.shutdownHook = new Thread(this::close, "embedded-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static EmbeddedKafka start() {
        return start(null);
    }

    /**
     * A broker with a second listener, SASL_SSL with SCRAM-SHA-512, beside the PLAINTEXT one (which
     * the test itself uses, e.g. to create topics and SCRAM credentials with {@link #admin()}). The
     * listener's TLS key store is a PKCS12 file with the broker's key and certificate chain.
     */
    public static EmbeddedKafka startWithSaslSsl(Path keyStore, String keyStorePassword) {
        return start(new SaslSslListener(keyStore, keyStorePassword));
    }

    private record SaslSslListener(Path keyStore, String password) {}

    private static EmbeddedKafka start(SaslSslListener saslSsl) {
        // The free ports are picked before Kafka binds them, so another process may win the race: retry.
        for (int attempt = 1; ; attempt++) {
            Path logDir = createTempDir();
            KafkaRaftServer server = null;
            EmbeddedKafka kafka = null;
            try {
                int[] ports = freePorts();
                int brokerPort = ports[0];
                int controllerPort = ports[1];
                Map<String, Object> properties = brokerProperties(logDir, brokerPort, controllerPort);
                String saslSslAddress = null;
                if (saslSsl != null) {
                    saslSslAddress = "127.0.0.1:" + ports[2];
                    properties = withSaslSsl(properties, saslSslAddress, saslSsl);
                }
                KafkaConfig config = new KafkaConfig(properties, false);
                format(config, logDir);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                // Kafka 4.2's startup() returns only once the broker is unfenced: topics can be created at once.
                server.startup();
                kafka = new EmbeddedKafka(logDir, properties, server, "127.0.0.1:" + brokerPort, saslSslAddress);
                kafka.createOffsetsTopic();
                return kafka;
            } catch (RuntimeException e) {
                if (kafka != null) {
                    kafka.close();
                } else {
                    if (server != null) {
                        server.shutdown();
                        server.awaitShutdown();
                    }
                    deleteRecursively(logDir);
                }
                if (attempt == 3) {
                    throw e;
                }
                LOG.warn("Embedded Kafka failed to start (attempt {}), retrying", attempt, e);
            }
        }
    }

    Path logDir() {
        return logDir;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The SASL_SSL listener's address; only for a broker from {@link #startWithSaslSsl}. */
    public String saslSslBootstrapServers() {
        if (saslSslBootstrapServers == null) {
            throw new IllegalStateException("This broker has no SASL_SSL listener");
        }
        return saslSslBootstrapServers;
    }

    /** The test's admin client, on the PLAINTEXT listener. */
    public Admin admin() {
        return admin;
    }

    /** Creates the topic and returns once every partition has a leader, so producers never see it missing. */
    /** Creates the topic unless it exists (a job restored from a savepoint reads the same topics). */
    public void ensureTopic(String name, int partitions) {
        try {
            if (describeIfKnown(name) != null) {
                return;
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot describe topic " + name, e);
        }
        createTopic(name, partitions);
    }

    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** With topic configs, e.g. {@code max.message.bytes}. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all()
                    .get();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                TopicDescription description = describeIfKnown(name);
                if (description != null
                        && description.partitions().size() == partitions
                        && description.partitions().stream()
                                .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Topic " + name + " has no leaders after " + TIMEOUT);
                }
                Thread.sleep(20);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create topic " + name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Null while the broker's metadata does not know the new topic yet (it answers "unknown topic"). */
    private TopicDescription describeIfKnown(String name) throws InterruptedException, ExecutionException {
        try {
            return admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    /**
     * A producer for tests. One request in flight: right after a topic is created the broker can
     * refuse a partition's first batch (NOT_LEADER_OR_FOLLOWER) while accepting the next ones, and
     * the idempotent producer's retry of that first batch is then refused for good as out of
     * sequence (seen under load: "Expiring N record(s) ... since batch creation").
     */
    public Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Kafka 4 clients default to linger.ms=5, which makes every synchronous send().get() wait 5 ms.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return props;
    }

    /**
     * Reads a topic from the start until {@code expected} records arrived (30 s at most), then
     * half a second more so that a test also sees records beyond the ones it expected.
     */
    public List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> consume(String topic, long expected) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
                consumerProps("consume-" + java.util.UUID.randomUUID()))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    /** Reads from the earliest offset: tests usually produce before they consume. */
    public Properties consumerProps(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /**
     * Shuts the broker down as an outage would (no controlled shutdown: its clients lose their
     * connections), keeping its log dir, so that {@link #startAgain()} brings back the same node,
     * cluster and ports. For failure-injection tests on a broker of their own.
     */
    public synchronized void stop() {
        if (closed || stopped) {
            throw new IllegalStateException(closed ? "Kafka is closed" : "Kafka is already stopped");
        }
        stopped = true;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka at {} stopped", bootstrapServers);
    }

    /**
     * Starts the stopped broker again: a new server on the same log dir (same cluster id and node
     * id in its meta.properties, same topics and records) and the same listener ports, so clients'
     * bootstrap addresses stay valid. Returns once the broker is unfenced.
     */
    public synchronized void startAgain() {
        if (closed || !stopped) {
            throw new IllegalStateException(closed ? "Kafka is closed" : "Kafka is running");
        }
        long startedAt = System.nanoTime();
        server = new KafkaRaftServer(new KafkaConfig(brokerProperties, false), Time.SYSTEM);
        server.startup();
        stopped = false;
        LOG.info(
                "Embedded Kafka at {} started again in {} ms",
                bootstrapServers,
                (System.nanoTime() - startedAt) / 1_000_000);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // Called from the hook itself (or during JVM exit): nothing to unregister.
        }
        admin.close(Duration.ZERO);
        if (!stopped) {
            server.shutdown();
            server.awaitShutdown();
        }
        deleteRecursively(logDir);
    }

    /**
     * __consumer_offsets is created on the first coordinator lookup, so the first offset commit of every
     * fresh broker fails with COORDINATOR_NOT_AVAILABLE (a WARN with stack trace in each Flink job): create it now.
     */
    private void createOffsetsTopic() {
        try {
            admin.listConsumerGroupOffsets("embedded-kafka-warm-up")
                    .partitionsToOffsetAndMetadata()
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Group coordinator unavailable", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        return Map.ofEntries(
                // Combined broker+controller, static single voter: no quorum bootstrapping needed.
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry(
                        "listeners",
                        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                // One node: internal topics must not wait for replicas that never come
                // (otherwise checkpointed Flink jobs hang 30 s when they commit offsets or finish).
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.num.partitions", "1"),
                Map.entry("default.replication.factor", "1"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("num.partitions", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Tests create topics explicitly; a typo must fail instead of creating a topic.
                Map.entry("auto.create.topics.enable", "false"),
                // Keep disk and heap small: the local run may produce for hours.
                Map.entry("log.segment.bytes", String.valueOf(16 * 1024 * 1024)),
                Map.entry("log.retention.bytes", String.valueOf(128 * 1024 * 1024)),
                Map.entry("log.retention.check.interval.ms", "60000"),
                Map.entry("log.index.size.max.bytes", String.valueOf(1024 * 1024)),
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024)),
                Map.entry("num.network.threads", "2"),
                Map.entry("num.io.threads", "2"),
                Map.entry("background.threads", "2"),
                Map.entry("num.recovery.threads.per.data.dir", "1"),
                // The log dir is deleted right after: no need to hand leadership over before stopping.
                Map.entry("controlled.shutdown.enable", "false"),
                // Fail loudly instead of hanging if the broker cannot come up.
                Map.entry("server.max.startup.time.ms", String.valueOf(TIMEOUT.toMillis())));
    }

    private static Map<String, Object> withSaslSsl(
            Map<String, Object> plain, String address, SaslSslListener listener) {
        Map<String, Object> p = new java.util.HashMap<>(plain);
        p.put("listeners", p.get("listeners") + ",SASL_SSL://" + address);
        p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_SSL://" + address);
        p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_SSL:SASL_SSL");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put(
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
        p.put(
                "listener.name.sasl_ssl.ssl.keystore.location",
                listener.keyStore().toString());
        p.put("listener.name.sasl_ssl.ssl.keystore.password", listener.password());
        p.put("listener.name.sasl_ssl.ssl.key.password", listener.password());
        return Map.copyOf(p);
    }

    /** What `kafka-storage.sh format` does: write meta.properties and the bootstrap metadata checkpoint. */
    private static void format(KafkaConfig config, Path logDir) {
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(logDir.toString())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format " + logDir, e);
        }
    }

    /** The sockets are open at once, so the ports differ. */
    private static int[] freePorts() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 0, loopback);
                ServerSocket b = new ServerSocket(0, 0, loopback);
                ServerSocket c = new ServerSocket(0, 0, loopback)) {
            return new int[] {a.getLocalPort(), b.getLocalPort(), c.getLocalPort()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path createTempDir() {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            return Files.createTempDirectory(tmp, "embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Cannot delete {}", dir, e);
        }
    }
}
