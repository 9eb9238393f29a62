package io.marketbars;

import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.pipeline.Uids;
import io.marketbars.records.Bar;
import io.marketbars.records.BasisBar;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import io.marketbars.schema.SchemaZone;
import io.marketbars.sinks.BarUpsert;
import io.marketbars.sinks.BasisUpsert;
import io.marketbars.sinks.DeadLetterSerializer;
import io.marketbars.sinks.FlowUpsert;
import io.marketbars.sources.CatchUpKafkaSource;
import io.marketbars.sources.FeedDeserializer;
import io.marketbars.sources.KafkaTopics;
import io.marketbars.sources.TickDeserializer;
import io.marketbars.tools.CsvImport;
import io.marketbars.tools.Migrate;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the job JAR. {@code run} (the default) builds the real connectors and hands them
 * to {@link BarsPipeline#define}; {@code migrate} applies the schema; {@code import-csv} loads a
 * trades CSV into the topic. No processing logic lives here.
 */
public final class BarsJob {
    private static final Logger LOG = LoggerFactory.getLogger(BarsJob.class);

    private BarsJob() {}

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "run";
        String[] rest = args.length > 0 && !args[0].startsWith("-") ? Arrays.copyOfRange(args, 1, args.length) : args;
        switch (command) {
            case "run":
                run(JobOptions.fromArgs(rest));
                break;
            case "migrate":
                System.exit(Migrate.run(rest, System.getenv(), System.out, System.err));
                break;
            case "import-csv":
                System.exit(CsvImport.run(rest));
                break;
            default:
                System.err.println("Unknown command " + command + "; expected run, migrate or import-csv");
                System.exit(2);
        }
    }

    static void run(JobOptions options) throws Exception {
        LOG.info("Starting with {}", options);
        checkBeforeStart(options, KafkaTopics.DEFAULT_TIMEOUT);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(options));
        configure(env, options);
        BarsPipeline.define(env, productionSources(options), productionSinks(options), options);
        env.execute("market-bars");
    }

    /**
     * What would otherwise fail only after the job is running, or never visibly: every topic the job reads or
     * writes exists (a typo would restart the job forever), and the schema's exchange time zone is the job's (the
     * daily rollups and the trading day would disagree). Both throw with a message that says what to fix.
     *
     * <p>A broker or database that does not answer is only a warning: that is an outage, not a typo, and the
     * job's restart strategy rides it out as before. In application mode {@code main} runs again on a JobManager
     * failover, where failing on an outage would end a job that would otherwise recover.
     */
    static void checkBeforeStart(JobOptions options, Duration kafkaTimeout) {
        try {
            KafkaTopics.requireExist(
                    options.bootstrapServers, options.kafkaClientProperties(), topics(options), kafkaTimeout);
        } catch (KafkaTopics.Unreachable e) {
            LOG.warn("{}; starting without checking the topics", e.getMessage());
        }
        try {
            SchemaZone.requireJobZone(options.dbUrl, options.dbUser, options.dbPassword(), options.exchangeTimeZone);
        } catch (SchemaZone.Unreachable e) {
            LOG.warn("{}; starting without checking it", e.getMessage());
        }
    }

    /** Option name to topic, for the topics this job's options turn on. */
    static Map<String, String> topics(JobOptions options) {
        Map<String, String> topics = new LinkedHashMap<>();
        topics.put("--trades-topic", options.tradesTopic);
        if (options.indexTopic != null) {
            topics.put("--index-topic", options.indexTopic);
        }
        if (options.foreignFlowTopic != null) {
            topics.put("--foreign-flow-topic", options.foreignFlowTopic);
        }
        topics.put("--dead-letter-topic", options.deadLetterTopic);
        return topics;
    }

    /** Restart strategy and checkpointing: the settings exactly-once results depend on. */
    public static Configuration configuration(JobOptions options) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                java.time.Duration.ofMillis(500));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, java.time.Duration.ofMinutes(1));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                java.time.Duration.ofMinutes(10));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        if (options.checkpointDir != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, options.checkpointDir);
        }
        // Kept on cancel, so a cancelled job can still be resumed from its last checkpoint.
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // One failed checkpoint (a slow file system) is not a reason to restart the job.
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 3);
        // Fail at job build time if any record type would fall back to Kryo.
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        return conf;
    }

    public static void configure(StreamExecutionEnvironment env, JobOptions options) {
        env.enableCheckpointing(options.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // No operator keeps or mutates a record it has passed on, so chained operators may share
        // objects instead of deep-copying every tick and bar (a third of the CPU without it).
        env.getConfig().enableObjectReuse();
        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }
    }

    /** The three Kafka sources; a feed whose topic is {@code none} has none. */
    public static BarsPipeline.Sources productionSources(JobOptions options) {
        return new BarsPipeline.Sources() {
            @Override
            public Source<Tick, ?, ?> trades() {
                return tradesSource(options);
            }

            @Override
            public Source<IndexValue, ?, ?> indexValues() {
                return options.indexTopic == null
                        ? null
                        : kafkaSource(
                                options,
                                options.indexTopic,
                                FeedDeserializer.indexValues(options.maxFutureSkew.toMillis()));
            }

            @Override
            public Source<FlowSnapshot, ?, ?> foreignFlow() {
                return options.foreignFlowTopic == null
                        ? null
                        : kafkaSource(
                                options,
                                options.foreignFlowTopic,
                                FeedDeserializer.flowSnapshots(options.maxFutureSkew.toMillis()));
            }
        };
    }

    public static Source<Tick, ?, ?> tradesSource(JobOptions options) {
        return tradesSource(options, new TickDeserializer(options.maxFutureSkew.toMillis()));
    }

    /** The trades source with another deserializer (tests slow it down to fail mid-stream). */
    public static Source<Tick, ?, ?> tradesSource(
            JobOptions options, KafkaRecordDeserializationSchema<Tick> deserializer) {
        return kafkaSource(options, options.tradesTopic, deserializer);
    }

    /**
     * A Kafka source of one topic: offsets committed on checkpoints (for monitoring; the
     * checkpoint holds the truth), records of aborted transactions skipped unless
     * {@code --kafka-isolation-level read_uncommitted}, bounded at the offsets of the start in
     * replay mode. In live mode its readers know whether they are caught up (see
     * {@link CatchUpKafkaSource}), which the watermarks need before they follow the wall clock.
     */
    public static <T> Source<T, ?, ?> kafkaSource(
            JobOptions options, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        KafkaSourceBuilder<T> builder = KafkaSource.<T>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setTopics(topic)
                .setGroupId(options.groupId)
                .setProperties(options.kafkaClientProperties())
                .setProperty("isolation.level", options.kafkaIsolationLevel)
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setDeserializer(deserializer);
        switch (options.startingOffsets) {
            case "earliest":
                builder.setStartingOffsets(OffsetsInitializer.earliest());
                break;
            case "latest":
                builder.setStartingOffsets(OffsetsInitializer.latest());
                break;
            default:
                builder.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
        }
        if (options.mode == JobOptions.Mode.REPLAY) {
            builder.setBounded(OffsetsInitializer.latest());
            return builder.build();
        }
        Properties probe = options.kafkaClientProperties();
        probe.setProperty("bootstrap.servers", options.bootstrapServers);
        probe.setProperty("group.id", options.groupId);
        probe.setProperty("isolation.level", options.kafkaIsolationLevel);
        return new CatchUpKafkaSource<>(builder.build(), topic, probe, CATCH_UP_PROBE_INTERVAL);
    }

    /** How often a live reader asks the broker where its partitions end. */
    static final Duration CATCH_UP_PROBE_INTERVAL = Duration.ofSeconds(1);

    public static BarsPipeline.Sinks productionSinks(JobOptions options) {
        return new BarsPipeline.Sinks() {
            @Override
            public void bars(DataStream<Bar> bars) {
                bars.sinkTo(BarUpsert.sink(options)).uid(Uids.OHLCV_SINK).name("Upsert " + BarUpsert.TABLE);
            }

            @Override
            public void basisBars(DataStream<BasisBar> bars) {
                bars.sinkTo(BasisUpsert.sink(options)).uid(Uids.BASIS_SINK).name("Upsert " + BasisUpsert.TABLE);
            }

            @Override
            public void flowBars(DataStream<FlowBar> bars) {
                bars.sinkTo(FlowUpsert.sink(options)).uid(Uids.FLOW_SINK).name("Upsert " + FlowUpsert.TABLE);
            }

            @Override
            public void deadLetters(DataStream<DeadLetter> deadLetters) {
                deadLetters
                        .sinkTo(deadLetterSink(options))
                        .uid(Uids.DEAD_LETTER_SINK)
                        .name("Kafka dead letters");
            }
        };
    }

    /**
     * Dead letters exactly once: each checkpoint's dead letters are one Kafka transaction, committed
     * when the checkpoint completes, so a restore never repeats one (for {@code read_committed}
     * readers). Transactional ids are {@code <prefix>-<subtask>-<checkpoint id>}
     * ({@link TransactionNamingStrategy#INCREMENTING}, the connector's default, named here because
     * the choice matters): {@code POOLING} would keep fewer ids on the broker, but in connector
     * 5.0.0 a downscale or a prefix change can leave one of its transactions open until the
     * timeout, and that stalls every {@code read_committed} reader of the topic (FLINK-40626).
     */
    public static KafkaSink<DeadLetter> deadLetterSink(JobOptions options) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setKafkaProducerConfig(options.kafkaClientProperties())
                .setRecordSerializer(
                        new DeadLetterSerializer(options.deadLetterTopic, options.deadLetterMaxRecordBytes))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(options.deadLetterTransactionalIdPrefix)
                .setTransactionNamingStrategy(TransactionNamingStrategy.INCREMENTING)
                // The connector's default (1 h) is refused by a broker with the default
                // transaction.max.timeout.ms (15 min); see the option in the README.
                .setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        Long.toString(options.deadLetterTransactionTimeout.toMillis()))
                // The serializer truncates to this size, so the producer never refuses a dead letter as too
                // large (the topic's max.message.bytes must allow it too).
                .setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(options.deadLetterMaxRecordBytes))
                .build();
    }
}
