package io.marketbars.sources;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.Tick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class TickWatermarksTest {
    private static final Duration BOUND = Duration.ofSeconds(2);
    private static final Duration JUMP = Duration.ofMinutes(5);
    private static final Duration IDLE = Duration.ofSeconds(5);

    private long wallMillis = ms(MINUTE_0);
    private long nanos;
    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput output = new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    };

    private TickWatermarks<Tick> generator(boolean live) {
        return new TickWatermarks<>(BOUND, JUMP, IDLE, live, () -> wallMillis, () -> nanos);
    }

    private void event(TickWatermarks<Tick> g, Tick t) {
        g.onEvent(t, t.tsMillis(), output);
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
    void liveModeFollowsTheWallClockOnlyAfterTheIdleTimeout() {
        TickWatermarks<Tick> g = generator(true);
        event(g, tick("A").at(MINUTE_0).build());
        nanos += Duration.ofSeconds(4).toNanos(); // a short stall: not quiet yet
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) - 2_001);
        nanos += Duration.ofSeconds(56).toNanos(); // one minute of quiet
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) - 2_001 + 55_000);
    }

    @Test
    void liveModeWithoutAnyTickFollowsTheWallClockAfterTheIdleTimeout() {
        TickWatermarks<Tick> g = generator(true);
        g.onPeriodicEmit(output);
        assertThat(emitted).isEmpty();
        nanos += IDLE.toNanos();
        wallMillis = ms(MINUTE_0) + 60_000;
        g.onPeriodicEmit(output);
        assertThat(last()).isEqualTo(ms(MINUTE_0) + 60_000 - 2_000 - 5_000);
    }

    @Test
    void replayModeNeverUsesTheWallClock() {
        TickWatermarks<Tick> g = generator(false);
        event(g, tick("A").at(MINUTE_0).build());
        nanos += Duration.ofHours(1).toNanos();
        wallMillis += 3_600_000;
        g.onPeriodicEmit(output);
        assertThat(emitted).containsExactly(ms(MINUTE_0) - 2_001);
    }
}
