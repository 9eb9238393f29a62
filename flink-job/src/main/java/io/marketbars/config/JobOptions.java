package io.marketbars.config;

import io.marketbars.basis.FuturesContracts;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * Every option of the job, parsed and validated once. Secrets never come from here: the database
 * password and Kafka credentials are read from the environment or a file (see {@link DbPassword} and
 * {@link #kafkaClientProperties}), so they never appear on a command line, in the Web UI's job
 * configuration, or in {@link #toString()}. Nor are they in the job graph: the sinks and the Kafka
 * clients resolve them on the TaskManager when they connect.
 */
public final class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Environment variable holding the database password. */
    public static final String DB_PASSWORD_ENV = DbPassword.ENV;
    /** Environment variable naming a file that holds the database password (a mounted Secret). */
    public static final String DB_PASSWORD_FILE_ENV = DbPassword.FILE_ENV;
    /** Environment variables with this prefix become Kafka client properties (KAFKA_SASL_JAAS_CONFIG). */
    public static final String KAFKA_ENV_PREFIX = KafkaEnvironment.PREFIX;

    /**
     * Every option {@code run} accepts (without the leading {@code --}): any other is refused, so a
     * typo cannot silently leave a default in place. docs/options.md documents exactly these
     * ({@code OptionsTableTest} compares them).
     */
    public static final Set<String> NAMES = Set.of(
            "mode",
            "bootstrap-servers",
            "trades-topic",
            "index-topic",
            "foreign-flow-topic",
            "exchange-time-zone",
            "futures",
            "futures-aliases",
            "futures-expiries",
            "dead-letter-topic",
            "group-id",
            "dead-letter-transactional-id-prefix",
            "dead-letter-transaction-timeout",
            "dead-letter-max-record-bytes",
            "starting-offsets",
            "kafka-isolation-level",
            "db-url",
            "db-user",
            "out-of-orderness",
            "allowed-lateness",
            "idle-timeout",
            "max-future-skew",
            "max-ahead-of-watermark",
            "max-clock-jump",
            "symbol-state-retention",
            "checkpoint-interval",
            "checkpoint-dir",
            "sink-batch-size",
            "sink-flush-interval",
            "sink-max-retries",
            "revision-epoch",
            "parallelism");

    /**
     * The exchange time zone of the job and of {@code migrate} (the daily rollups) when
     * {@code --exchange-time-zone} is not given. UTC, the neutral choice for crypto and
     * markets worldwide; an exchange with a local trading day names its zone to both.
     */
    public static final String DEFAULT_EXCHANGE_TIME_ZONE = "UTC";

    /** Live: unbounded, bars close on the wall clock when feeds go quiet. Replay: bounded to the offsets at start. */
    public enum Mode {
        LIVE,
        REPLAY
    }

    public final Mode mode;
    public final String bootstrapServers;
    public final String tradesTopic;
    /** Index values for the basis; null ({@code --index-topic none}) turns basis bars off. */
    public final String indexTopic;
    /** Foreign-flow snapshots; null ({@code --foreign-flow-topic none}) turns flow bars off. */
    public final String foreignFlowTopic;

    public final String deadLetterTopic;
    /**
     * Prefix of the dead-letter sink's Kafka transactional ids. Two jobs writing to the same
     * cluster must use different prefixes, or they fence each other's transactions.
     */
    public final String deadLetterTransactionalIdPrefix;
    /** The dead-letter producer's {@code transaction.timeout.ms}; at most the broker's {@code transaction.max.timeout.ms}. */
    public final Duration deadLetterTransactionTimeout;
    /**
     * The largest dead-letter record, framing included: the producer's {@code max.request.size}.
     * A dead letter that would be bigger carries a truncated copy of the original.
     */
    public final int deadLetterMaxRecordBytes;
    /** The exchange's time zone: it defines a trading day (day counters, the as-of join's session). */
    public final java.time.ZoneId exchangeTimeZone;
    /** Futures contracts, their underlying indices and rolling aliases. */
    public final FuturesContracts futures;

    public final String groupId;
    public final String startingOffsets;
    /** Kafka's isolation.level for the sources: read_committed skips records of aborted transactions. */
    public final String kafkaIsolationLevel;

    public final String dbUrl;
    public final String dbUser;

    public final Duration outOfOrderness;
    public final Duration allowedLateness;
    public final Duration idleTimeout;
    public final Duration maxFutureSkew;
    public final Duration maxAheadOfWatermark;
    public final Duration maxClockJump;
    public final Duration symbolStateRetention;
    public final Duration checkpointInterval;
    /** Durable checkpoint directory (file://, s3://, ...); null leaves it to the cluster's configuration. */
    public final String checkpointDir;

    public final int sinkBatchSize;
    public final Duration sinkFlushInterval;
    public final int sinkMaxRetries;
    /**
     * The correction epoch written with every row. A row is replaced only by a version of at least
     * its epoch; a deliberate rerun with a higher epoch replaces what an older run wrote, even with
     * fewer trades (docs/storage.md, "Correcting stored bars").
     */
    public final int revisionEpoch;
    /** 0 means "the cluster's default". */
    public final int parallelism;

    private final transient Map<String, String> env;

    private JobOptions(Args p, Map<String, String> env) {
        this.env = env;
        this.mode = Mode.valueOf(p.get("mode", "live").toUpperCase());
        this.bootstrapServers = p.get("bootstrap-servers", "localhost:9092");
        this.tradesTopic = p.get("trades-topic", "trades");
        this.indexTopic = optionalTopic(p, "index-topic", "index-values");
        this.foreignFlowTopic = optionalTopic(p, "foreign-flow-topic", "foreign-flow");
        try {
            this.exchangeTimeZone = java.time.ZoneId.of(p.get("exchange-time-zone", DEFAULT_EXCHANGE_TIME_ZONE));
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("--exchange-time-zone: " + e.getMessage(), e);
        }
        this.futures = new FuturesContracts(
                p.get("futures", ""), p.get("futures-aliases", ""), p.get("futures-expiries", ""), exchangeTimeZone);
        this.deadLetterTopic = p.get("dead-letter-topic", "bars-dead-letter");
        this.groupId = p.get("group-id", "market-bars");
        this.deadLetterTransactionalIdPrefix = p.get("dead-letter-transactional-id-prefix", groupId + "-dlq");
        this.deadLetterTransactionTimeout = duration(p, "dead-letter-transaction-timeout", "15 min");
        this.deadLetterMaxRecordBytes = p.getInt("dead-letter-max-record-bytes", 1024 * 1024);
        this.startingOffsets = p.get("starting-offsets", mode == Mode.REPLAY ? "earliest" : "committed");
        this.kafkaIsolationLevel = p.get("kafka-isolation-level", "read_committed");
        this.dbUrl = p.get("db-url", "jdbc:postgresql://localhost:5432/bars");
        this.dbUser = p.get("db-user", "bars");
        this.outOfOrderness = duration(p, "out-of-orderness", "2 s");
        this.allowedLateness = duration(p, "allowed-lateness", "1 min");
        this.idleTimeout = duration(p, "idle-timeout", "5 s");
        this.maxFutureSkew = duration(p, "max-future-skew", "10 min");
        this.maxAheadOfWatermark = duration(p, "max-ahead-of-watermark", "30 d");
        this.maxClockJump = duration(p, "max-clock-jump", "5 min");
        this.symbolStateRetention = duration(p, "symbol-state-retention", "7 d");
        this.checkpointInterval = duration(p, "checkpoint-interval", "10 s");
        this.checkpointDir = p.get("checkpoint-dir", null);
        this.sinkBatchSize = p.getInt("sink-batch-size", 2000);
        this.sinkFlushInterval = duration(p, "sink-flush-interval", "1 s");
        this.sinkMaxRetries = p.getInt("sink-max-retries", 3);
        this.revisionEpoch = p.getInt("revision-epoch", 0);
        this.parallelism = p.getInt("parallelism", 0);
        if (p.has("db-password")) {
            throw new IllegalArgumentException(
                    "--db-password is not accepted: command lines are visible to every user of the host. "
                            + "Set the environment variable " + DB_PASSWORD_ENV + " or " + DB_PASSWORD_FILE_ENV
                            + " instead.");
        }
        if (dbUrl.toLowerCase(java.util.Locale.ROOT).matches(".*[?&;]password=.*")) {
            throw new IllegalArgumentException(
                    "--db-url must not carry password=: the URL is visible on the command line and is stored in "
                            + "the job graph. Set the environment variable " + DB_PASSWORD_ENV + " or "
                            + DB_PASSWORD_FILE_ENV + " instead.");
        }
        validate();
    }

    private static String optionalTopic(Args p, String key, String dflt) {
        String v = p.get(key, dflt);
        return "none".equals(v) ? null : v;
    }

    public static JobOptions fromArgs(String[] args) {
        return fromArgs(args, System.getenv());
    }

    public static JobOptions fromArgs(String[] args, Map<String, String> env) {
        return fromArgs(args, env, Set.of());
    }

    /** {@code alsoAccepted}: options another reader of the same command line takes ({@code migrate}'s settings). */
    public static JobOptions fromArgs(String[] args, Map<String, String> env, Set<String> alsoAccepted) {
        return new JobOptions(new Args(ParameterTool.fromArgs(args), NAMES, alsoAccepted), env);
    }

    /** Each option's default as the constructor reads it (null: none), for the docs check. */
    static Map<String, String> defaults() {
        Args args = new Args(ParameterTool.fromArgs(new String[0]), NAMES, Set.of());
        new JobOptions(args, Map.of());
        return args.defaults;
    }

    private void validate() {
        if (!"committed".equals(startingOffsets)
                && !"earliest".equals(startingOffsets)
                && !"latest".equals(startingOffsets)) {
            throw new IllegalArgumentException("--starting-offsets must be committed, earliest or latest");
        }
        require(
                "read_committed".equals(kafkaIsolationLevel) || "read_uncommitted".equals(kafkaIsolationLevel),
                "--kafka-isolation-level must be read_committed or read_uncommitted");
        require(!outOfOrderness.isNegative(), "--out-of-orderness must not be negative");
        require(!allowedLateness.isNegative(), "--allowed-lateness must not be negative");
        require(checkpointInterval.toMillis() >= 100, "--checkpoint-interval must be at least 100 ms");
        require(sinkBatchSize > 0, "--sink-batch-size must be positive");
        require(
                deadLetterMaxRecordBytes >= MIN_DEAD_LETTER_RECORD_BYTES,
                "--dead-letter-max-record-bytes must be at least " + MIN_DEAD_LETTER_RECORD_BYTES);
        require(!deadLetterTransactionalIdPrefix.isBlank(), "--dead-letter-transactional-id-prefix must not be blank");
        // A transaction stays open from the first dead letter after a checkpoint until the next
        // checkpoint completes: the timeout must leave room for at least that.
        require(
                deadLetterTransactionTimeout.compareTo(checkpointInterval.multipliedBy(2)) >= 0,
                "--dead-letter-transaction-timeout must be at least twice --checkpoint-interval");
        require(sinkFlushInterval.toMillis() > 0, "--sink-flush-interval must be positive");
        require(sinkMaxRetries >= 0, "--sink-max-retries must not be negative");
        require(revisionEpoch >= 0, "--revision-epoch must not be negative");
        require(maxAheadOfWatermark.toMillis() > 60_000, "--max-ahead-of-watermark must exceed one minute");
        require(maxClockJump.compareTo(outOfOrderness) > 0, "--max-clock-jump must exceed --out-of-orderness");
        require(
                symbolStateRetention.compareTo(
                                allowedLateness.plus(outOfOrderness).plusMinutes(1))
                        > 0,
                "--symbol-state-retention must exceed --allowed-lateness + --out-of-orderness + 1 min");
    }

    /** Room for a dead letter's headers, framing and a useful part of the original. */
    public static final int MIN_DEAD_LETTER_RECORD_BYTES = 16 * 1024;

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Duration duration(Args p, String key, String dflt) {
        try {
            return TimeUtils.parseDuration(p.get(key, dflt));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * The database password now, from the file named by {@value #DB_PASSWORD_FILE_ENV} or from
     * {@value #DB_PASSWORD_ENV}; empty when neither is set (trust/peer auth). Only for what runs
     * where the options were read ({@code migrate}, the start-up checks): the job's sinks get
     * {@link #dbPasswordLocation()} instead.
     */
    public String dbPassword() {
        return DbPassword.resolve(env == null ? System.getenv() : env);
    }

    /** Where the TaskManager finds the password: no secret, safe in the job graph. */
    public DbPassword dbPasswordLocation() {
        return DbPassword.locatedBy(env == null ? System.getenv() : env);
    }

    /**
     * Kafka client properties from KAFKA_* environment variables, e.g. KAFKA_SECURITY_PROTOCOL.
     * Only real client settings pass (not KAFKA_HEAP_OPTS and the like), and never the ones the
     * options own: bootstrap servers, group id and (de)serializers.
     *
     * <p>A setting Kafka types as a password ({@code sasl.jaas.config}, {@code ssl.*.password}, ...)
     * becomes a reference, {@code ${env:KAFKA_SASL_JAAS_CONFIG}}, that the Kafka client resolves
     * with its {@link EnvVarConfigProvider} wherever it is created (on the TaskManager for the
     * sources and the sink): these properties go into the job graph, the secret does not. A value
     * that is itself a reference ({@code ${file:/path:key}}) passes as it is; the {@code file}
     * provider ({@link FileConfigProvider}) resolves it.
     */
    public Properties kafkaClientProperties() {
        return KafkaEnvironment.clientProperties(
                env == null ? System.getenv() : env, KAFKA_CLIENT_SETTINGS, KAFKA_OWNED_BY_OPTIONS, true);
    }

    private static final java.util.Set<String> KAFKA_CLIENT_SETTINGS = new java.util.HashSet<>();

    static {
        KAFKA_CLIENT_SETTINGS.addAll(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
        KAFKA_CLIENT_SETTINGS.addAll(org.apache.kafka.clients.producer.ProducerConfig.configNames());
    }

    /** The client settings Kafka itself types as passwords: passed by reference only. */
    static final java.util.Set<String> KAFKA_SECRETS = KafkaEnvironment.SECRETS;

    private static final java.util.Set<String> KAFKA_OWNED_BY_OPTIONS = java.util.Set.of(
            "bootstrap.servers",
            "group.id",
            "isolation.level",
            "key.deserializer",
            "value.deserializer",
            "key.serializer",
            "value.serializer");

    @Override
    public String toString() {
        // Deliberately no password and no Kafka client properties: this string is logged.
        return "JobOptions{mode=" + mode + ", bootstrapServers=" + bootstrapServers + ", tradesTopic="
                + tradesTopic + ", indexTopic=" + indexTopic + ", foreignFlowTopic=" + foreignFlowTopic
                + ", exchangeTimeZone=" + exchangeTimeZone + ", futures=" + futures + ", deadLetterTopic="
                + deadLetterTopic
                + ", deadLetterTransactionalIdPrefix=" + deadLetterTransactionalIdPrefix
                + ", deadLetterTransactionTimeout=" + deadLetterTransactionTimeout
                + ", deadLetterMaxRecordBytes=" + deadLetterMaxRecordBytes + ", groupId=" + groupId
                + ", startingOffsets=" + startingOffsets + ", kafkaIsolationLevel=" + kafkaIsolationLevel
                + ", dbUrl=" + redactUrl(dbUrl) + ", dbUser=" + dbUser
                + ", outOfOrderness=" + outOfOrderness + ", allowedLateness=" + allowedLateness
                + ", idleTimeout=" + idleTimeout + ", maxFutureSkew=" + maxFutureSkew
                + ", maxAheadOfWatermark=" + maxAheadOfWatermark + ", maxClockJump=" + maxClockJump
                + ", symbolStateRetention=" + symbolStateRetention + ", checkpointInterval=" + checkpointInterval
                + ", checkpointDir=" + checkpointDir
                + ", sinkBatchSize=" + sinkBatchSize + ", sinkFlushInterval=" + sinkFlushInterval
                + ", sinkMaxRetries=" + sinkMaxRetries + ", revisionEpoch=" + revisionEpoch + ", parallelism="
                + parallelism + "}";
    }

    /** Drops a password that someone put into the URL's query string anyway. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
