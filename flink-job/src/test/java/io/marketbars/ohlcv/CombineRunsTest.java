package io.marketbars.ohlcv;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.Tick;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CombineRunsTest {
    private OneInputStreamOperatorTestHarness<Tick, BarAccumulator> harness;

    @BeforeEach
    void open() throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(new CombineRuns());
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void add(Tick t) throws Exception {
        harness.processElement(new StreamRecord<>(t, 0L));
    }

    @Test
    void aRunEndsAtANewSymbolOrMinuteAndBeforeEveryWatermark() throws Exception {
        add(tick("A").at(MINUTE_0).seq(1).build());
        add(tick("A").at(MINUTE_0.plusSeconds(59)).seq(2).build());
        add(tick("A").at(MINUTE_1).seq(3).build()); // next minute
        add(tick("B").at(MINUTE_1).seq(1).build()); // next symbol
        assertThat(harness.extractOutputValues())
                .extracting(p -> p.symbol + ":" + p.tradeCount)
                .containsExactly("A:2", "A:1");
        harness.processWatermark(new Watermark(MINUTE_1.toEpochMilli()));
        assertThat(harness.extractOutputValues())
                .extracting(p -> p.symbol + ":" + p.tradeCount)
                .containsExactly("A:2", "A:1", "B:1");
        // The part went out before the watermark that may fire its window.
        assertThat(new java.util.ArrayList<>(harness.getOutput())).last().isInstanceOf(Watermark.class);
    }

    @Test
    void nothingIsHeldAcrossACheckpointOrTheEndOfInput() throws Exception {
        add(tick("A").seq(1).build());
        harness.prepareSnapshotPreBarrier(1L);
        assertThat(harness.extractOutputValues()).hasSize(1);
        add(tick("A").seq(2).build());
        harness.endInput();
        assertThat(harness.extractOutputValues()).hasSize(2);
    }
}
