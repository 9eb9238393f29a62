package io.marketbars.sources;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.Tick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.util.clock.ManualClock;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The live-mode rule: a partition's watermark follows the clock only when it is read to its end
 * and quiet for the idle timeout on the input activity clock; a generator without records never
 * moves the watermark. The broker side of "read to its end" is {@code CatchUpTrackerIT}'s.
 */
class TickWatermarksTest {
    private static final Duration BOUND = Duration.ofSeconds(2);
    private static final Duration JUMP = Duration.ofMinutes(5);
    private static final Duration IDLE = Duration.ofSeconds(5);
    private static final Duration PROBE = Duration.ofSeconds(1);

    /** The input activity clock: it only moves while the source can emit (no backpressure). */
    private final ManualClock activity = new ManualClock();

    private final CatchUpTracker catchUp =
            new CatchUpTracker("trades", new Properties(), PROBE, activity::relativeTimeNanos);
    private final List<Long> emitted = new ArrayList<>();
    private int idleMarks;
    private long nextOffset;
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idleMarks++;
        }

        @Override
        public void markActive() {}
    };

    private TickWatermarks<Tick> generator(boolean live) {
        return new TickWatermarks<>(BOUND, JUMP, IDLE, activity, live ? catchUp : null);
    }

    private void event(TickWatermarks<Tick> g, Tick t) {
        t.offset = nextOffset++;
        g.onEvent(t, t.tsMillis(), output);
    }

    private void quiet(Duration d) {
        activity.advanceTime(d);
    }

    /** The probe's finding for partition 0 at its current position. */
    private void probed(boolean atEnd) {
        catchUp.verdict(catchUp.partition(0), atEnd);
    }

    private long last() {
        return emitted.get(emitted.size() - 1);
    }

    @Test
    void boundedOutOfOrdernessAndRejectedRecordsDoNotCount() {
        TickWatermarks<Tick> g = generator(false);
        g.onPeriodicEmit(output);
        assertThat(emitted).isEmpty();
        event(g, tick("A").at(MINUTE_0.plusSeconds(10)).build());
        Tick rejected = tick("A").at(MINUTE_0.plusSeconds(50)).build();
        rejected.rejectReason = "MALFORMED_JSON";
        event(g, rejected);
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) + 10_000 - 2_000 - 1);
    }

    @Test
    void aJumpMovesTheWatermarkOnlyOnceConfirmed() {
        TickWatermarks<Tick> g = generator(false);
        event(g, tick("A").at(MINUTE_0).build());
        event(g, tick("B").at(MINUTE_0.plusSeconds(3600)).build()); // a bad clock, or a new session?
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) - 2_001);
        event(g, tick("C").at(MINUTE_0.plusSeconds(3601)).build()); // a new session
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) + 3_601_000 - 2_001);
    }

    @Test
    void aBacklogIsReadInEventTimeHoweverLongTheQuiet() {
        TickWatermarks<Tick> g = generator(true);
        event(g, tick("A").at(MINUTE_0).build());
        for (int i = 0; i < 60; i++) { // a minute without a record: a stalled fetch, a broker outage
            quiet(PROBE);
            probed(false); // the partition has more to read
            g.onPeriodicEmit(output);
        }
        assertThat(emitted).containsOnly(ms(MINUTE_0) - 2_001);
    }

    @Test
    void aCaughtUpPartitionFollowsTheClockAfterTheIdleTimeout() {
        TickWatermarks<Tick> g = generator(true);
        event(g, tick("A").at(MINUTE_0).build());
        quiet(Duration.ofSeconds(4)); // a short stall: not quiet yet
        probed(true);
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) - 2_001);
        quiet(Duration.ofSeconds(1)); // quiet for the idle timeout: follow from here
        probed(true);
        g.onPeriodicEmit(output);
        quiet(Duration.ofSeconds(2));
        probed(true);
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) - 2_001 + 2_000);
    }

    @Test
    void followingStopsWhenThePartitionIsNoLongerCaughtUp() {
        TickWatermarks<Tick> g = generator(true);
        event(g, tick("A").at(MINUTE_0).build());
        quiet(IDLE);
        probed(true);
        g.onPeriodicEmit(output);
        quiet(Duration.ofSeconds(2));
        probed(true);
        g.onPeriodicEmit(output);
        long reached = last();
        quiet(Duration.ofSeconds(30)); // new records at the broker, not read yet
        probed(false);
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(reached);
        probed(true); // read to the end again: follow on from where it stopped, not jump
        g.onPeriodicEmit(output);
        quiet(Duration.ofSeconds(1));
        probed(true);
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(reached + 1_000);
    }

    @Test
    void aVerdictHoldsOnlyForThePositionItWasGivenAndWhileFresh() {
        TickWatermarks<Tick> g = generator(true);
        event(g, tick("A").at(MINUTE_0).build());
        probed(true);
        Tick rejected = tick("A").at(MINUTE_0.plusSeconds(1)).build();
        rejected.rejectReason = "MALFORMED_JSON";
        event(g, rejected); // read on since the verdict: it is about another position
        quiet(Duration.ofMinutes(1));
        g.onPeriodicEmit(output);
        assertThat(emitted).containsOnly(ms(MINUTE_0) - 2_001);
        probed(true);
        quiet(PROBE.multipliedBy(4)); // the probe stopped answering (the broker is down)
        g.onPeriodicEmit(output);
        assertThat(emitted).containsOnly(ms(MINUTE_0) - 2_001);
    }

    @Test
    void aGeneratorWithoutRecordsNeverMovesTheWatermarkAndIdlesOnlyWhenItsReaderIsCaughtUp() {
        catchUp.addSplits(List.of(
                new KafkaPartitionSplit(new TopicPartition("trades", 0), 100),
                new KafkaPartitionSplit(new TopicPartition("trades", 1), KafkaPartitionSplit.EARLIEST_OFFSET)));
        TickWatermarks<Tick> main = generator(true); // the source's main output: Kafka records never come here
        quiet(Duration.ofMinutes(1));
        catchUp.verdict(catchUp.partition(0), true);
        main.onPeriodicEmit(output); // partition 1 is still to be read
        assertThat(idleMarks).isZero();
        catchUp.verdict(catchUp.partition(1), true);
        main.onPeriodicEmit(output);
        main.onPeriodicEmit(output);
        assertThat(emitted).isEmpty();
        assertThat(idleMarks).isOne();
    }

    @Test
    void aReaderWithoutPartitionsIdlesAfterTheIdleTimeout() {
        TickWatermarks<Tick> main = generator(true);
        quiet(Duration.ofSeconds(4));
        main.onPeriodicEmit(output);
        assertThat(idleMarks).isZero();
        quiet(Duration.ofSeconds(1));
        main.onPeriodicEmit(output);
        assertThat(emitted).isEmpty();
        assertThat(idleMarks).isOne();
    }

    @Test
    void replayModeNeverUsesTheClock() {
        TickWatermarks<Tick> g = generator(false);
        event(g, tick("A").at(MINUTE_0).build());
        quiet(Duration.ofHours(1));
        g.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(ms(MINUTE_0) - 2_001);
        assertThat(idleMarks).isZero();
    }
}
