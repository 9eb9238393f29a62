package io.marketbars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketbars.config.JobOptions;
import io.marketbars.sources.KafkaTopics;
import io.marketbars.testing.TestServices;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code BarsJob run} checks before it builds the graph, against a real broker and a real PostgreSQL: the
 * topics exist and the schema was migrated with the job's exchange time zone.
 */
class StartChecksIT {
    private static final ZoneId VIETNAM = ZoneId.of("Asia/Ho_Chi_Minh");

    /** Replay arguments for a job on these topics and database; empty topics make it end at once. */
    private static List<String> args(String trades, String deadLetters, String dbUrl, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--mode",
                "replay",
                "--bootstrap-servers",
                TestServices.kafka().bootstrapServers(),
                "--trades-topic",
                trades,
                "--index-topic",
                "none",
                "--foreign-flow-topic",
                "none",
                "--dead-letter-topic",
                deadLetters,
                "--group-id",
                TestServices.unique("group"),
                "--db-url",
                dbUrl,
                "--db-user",
                TestServices.postgres().user(),
                "--parallelism",
                "1"));
        args.addAll(List.of(more));
        return args;
    }

    private static String topic(String prefix) {
        String topic = TestServices.unique(prefix);
        TestServices.kafka().createTopic(topic, 1);
        return topic;
    }

    @Test
    void aJobOnExistingTopicsInTheSchemasZoneStartsAndRuns() throws Exception {
        String db = TestServices.migratedDatabase("start_ok", VIETNAM);
        List<String> args = args(topic("start_ok"), topic("start_ok_dlq"), db, "--exchange-time-zone", VIETNAM.getId());
        // Replay of empty topics: the whole job runs on a local cluster and finishes.
        BarsJob.main(args.toArray(String[]::new));
    }

    @Test
    void aMissingTradesTopicFailsAtStartNamingTheTopicAndTheOption() {
        String db = TestServices.migratedDatabase("start_typo");
        String typo = TestServices.unique("trdaes");
        long t0 = System.nanoTime();
        assertThatThrownBy(() ->
                        BarsJob.main(args(typo, topic("start_typo_dlq"), db).toArray(String[]::new)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Kafka topic '" + typo + "' (--trades-topic) does not exist at "
                        + TestServices.kafka().bootstrapServers() + ": create it or correct the option.");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void everyMissingTopicIsNamedWithItsOption() {
        String db = TestServices.migratedDatabase("start_feeds");
        String index = TestServices.unique("index_missing");
        String deadLetters = TestServices.unique("dlq_missing");
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--bootstrap-servers", TestServices.kafka().bootstrapServers(),
                    "--trades-topic", topic("start_feeds"),
                    "--index-topic", index,
                    "--foreign-flow-topic", topic("start_feeds_flow"),
                    "--dead-letter-topic", deadLetters,
                    "--db-url", db,
                    "--db-user", TestServices.postgres().user()
                },
                Map.of());
        assertThatThrownBy(() -> BarsJob.checkBeforeStart(options, KafkaTopics.DEFAULT_TIMEOUT))
                .hasMessageStartingWith("Kafka topics '" + index + "' (--index-topic), '" + deadLetters
                        + "' (--dead-letter-topic) do not exist at ");
    }

    @Test
    void aBrokerThatDoesNotAnswerFailsTheCheckWithinItsBound() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> KafkaTopics.requireExist(
                        "127.0.0.1:1",
                        new java.util.Properties(),
                        Map.of("--trades-topic", "trades"),
                        Duration.ofSeconds(3)))
                .isInstanceOf(KafkaTopics.Unreachable.class)
                .hasMessage(
                        "Kafka at 127.0.0.1:1 did not answer within 3 s while checking topic 'trades' (--trades-topic)");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }

    /** An outage is not a typo: the job starts and its restart strategy waits for the services, as before. */
    @Test
    void servicesThatDoNotAnswerAreOnlyAWarning() {
        JobOptions noBroker = JobOptions.fromArgs(
                new String[] {
                    "--bootstrap-servers", "127.0.0.1:1",
                    "--db-url", TestServices.migratedDatabase("start_outage"),
                    "--db-user", TestServices.postgres().user()
                },
                Map.of());
        BarsJob.checkBeforeStart(noBroker, Duration.ofSeconds(2));
        JobOptions noDatabase = JobOptions.fromArgs(
                new String[] {
                    "--bootstrap-servers", TestServices.kafka().bootstrapServers(),
                    "--trades-topic", topic("start_outage"),
                    "--index-topic", "none",
                    "--foreign-flow-topic", "none",
                    "--dead-letter-topic", topic("start_outage_dlq"),
                    "--db-url", "jdbc:postgresql://127.0.0.1:1/bars",
                    "--db-user", "bars"
                },
                Map.of());
        BarsJob.checkBeforeStart(noDatabase, KafkaTopics.DEFAULT_TIMEOUT);
    }

    @Test
    void aJobInAnotherZoneThanTheSchemaIsRefusedWithBothZonesAndTheFix() {
        String db = TestServices.migratedDatabase("start_zone", VIETNAM);
        // No --exchange-time-zone: the job's default, UTC.
        assertThatThrownBy(() -> BarsJob.main(
                        args(topic("start_zone"), topic("start_zone_dlq"), db).toArray(String[]::new)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("--exchange-time-zone is UTC")
                .hasMessageContaining("was migrated with Asia/Ho_Chi_Minh")
                .hasMessageContaining("Pass --exchange-time-zone Asia/Ho_Chi_Minh");
    }

    @Test
    void aSchemaThatDoesNotRecordItsZoneIsRefused() {
        String name = TestServices.unique("start_unmigrated");
        TestServices.postgres().createDatabase(name);
        String db = TestServices.postgres().jdbcUrl(name);
        assertThatThrownBy(() -> BarsJob.main(args(topic("start_unmigrated"), topic("start_unmigrated_dlq"), db)
                        .toArray(String[]::new)))
                .hasMessageContaining("does not record its exchange time zone")
                .hasMessageContaining("run `migrate --exchange-time-zone UTC`");
    }
}
