package io.marketbars.ohlcv;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.pipeline.BarsPipeline;
import io.marketbars.records.Bar;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production OHLCV window operator, built by {@link BarsPipeline#ohlcvBars}, in a harness. */
class OhlcvWindowTest {
    private static final Duration LATENESS = Duration.ofMinutes(1);

    private KeyedOneInputStreamOperatorTestHarness<String, BarAccumulator, Bar> harness;

    @BeforeEach
    void open() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(factory(), p -> p.symbol, Types.STRING);
        harness.open();
    }

    @SuppressWarnings("unchecked")
    private static org.apache.flink.streaming.api.operators.StreamOperatorFactory<Bar> factory() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var parts = env.fromData(TypeInformation.of(BarAccumulator.class), new BarAccumulator())
                .keyBy(p -> p.symbol, Types.STRING);
        var transformation = (OneInputTransformation<BarAccumulator, Bar>)
                BarsPipeline.ohlcvBars(parts, LATENESS).getTransformation();
        return transformation.getOperatorFactory();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** Each tick as its own one-trade part, the smallest part OrderAndDeduplicate emits. */
    private void add(Tick t) throws Exception {
        harness.processElement(new StreamRecord<>(part(t), t.tsMillis()));
    }

    static BarAccumulator part(Tick... ticks) {
        BarAccumulator p = new BarAccumulator();
        p.symbol = ticks[0].symbol;
        for (Tick t : ticks) {
            BarAggregate.addTick(p, t);
        }
        return p;
    }

    @Test
    void aggregatesExactlyWhateverTheArrivalOrder() throws Exception {
        // Arrival order differs from (ts, seq) order; open and close follow (ts, seq).
        add(tick("A")
                .at(MINUTE_0.plusSeconds(30))
                .seq(5)
                .price("10.10")
                .qty("3")
                .sell()
                .build());
        add(tick("A")
                .at(MINUTE_0.plusSeconds(59))
                .seq(9)
                .price("10.05")
                .qty("1")
                .build());
        add(tick("A")
                .at(MINUTE_0.plusSeconds(1))
                .seq(2)
                .price("10.00")
                .qty("2")
                .buy()
                .build());
        add(tick("A")
                .at(MINUTE_0.plusSeconds(1))
                .seq(1)
                .price("9.95")
                .qty("0.5")
                .buy()
                .build());
        add(tick("A")
                .at(MINUTE_0.plusSeconds(59))
                .seq(8)
                .price("10.20")
                .qty("4")
                .build());
        harness.processWatermark(ms(MINUTE_1) - 1);

        List<Bar> bars = harness.extractOutputValues();
        assertThat(bars).hasSize(1);
        Bar b = bars.get(0);
        assertThat(b.symbol).isEqualTo("A");
        assertThat(b.bucketStartMillis).isEqualTo(ms(MINUTE_0));
        assertThat(b.open).isEqualTo(new BigDecimal("9.95"));
        assertThat(b.close).isEqualTo(new BigDecimal("10.05"));
        assertThat(b.high).isEqualTo(new BigDecimal("10.20"));
        assertThat(b.low).isEqualTo(new BigDecimal("9.95"));
        assertThat(b.volume).isEqualByComparingTo("10.5");
        // 9.95*0.5 + 10.00*2 + 10.10*3 + 10.20*4 + 10.05*1
        assertThat(b.turnover).isEqualByComparingTo("106.125");
        assertThat(b.vwap).isEqualTo(new BigDecimal("10.1071428571"));
        assertThat(b.tradeCount).isEqualTo(5);
        assertThat(b.buyVolume).isEqualByComparingTo("2.5");
        assertThat(b.sellVolume).isEqualByComparingTo("3");
        assertThat(b.firstTradeMicros).isEqualTo(ms(MINUTE_0.plusSeconds(1)) * 1000);
        assertThat(b.lastTradeMicros).isEqualTo(ms(MINUTE_0.plusSeconds(59)) * 1000);
    }

    @Test
    void aPartBelongsToTheMinuteItTradedInWhateverItsRecordTimestamp() throws Exception {
        Tick early = tick("A").at(MINUTE_0.plusSeconds(30)).build();
        harness.processElement(new StreamRecord<>(part(early), ms(MINUTE_1) + 5_000)); // released by a later timer
        harness.processWatermark(ms(MINUTE_1) - 1);
        assertThat(harness.extractOutputValues())
                .singleElement()
                .satisfies(b -> assertThat(b.bucketStartMillis).isEqualTo(ms(MINUTE_0)));
    }

    @Test
    void partsMergeToTheSameBarAsSingleTicks() throws Exception {
        Tick a = tick("A")
                .at(MINUTE_0.plusSeconds(1))
                .seq(1)
                .price("10")
                .qty("1")
                .buy()
                .build();
        Tick b = tick("A")
                .at(MINUTE_0.plusSeconds(2))
                .seq(2)
                .price("12")
                .qty("2")
                .sell()
                .build();
        Tick c = tick("A")
                .at(MINUTE_0.plusSeconds(3))
                .seq(3)
                .price("11")
                .qty("3")
                .build();
        harness.processElement(new StreamRecord<>(part(b, c), 0L));
        harness.processElement(new StreamRecord<>(part(a), 0L)); // the earlier trade comes last
        harness.processWatermark(ms(MINUTE_1) - 1);
        Bar bar = harness.extractOutputValues().get(0);
        assertThat(bar.open).isEqualTo(new BigDecimal("10"));
        assertThat(bar.close).isEqualTo(new BigDecimal("11"));
        assertThat(bar.tradeCount).isEqualTo(3);
        assertThat(bar.turnover).isEqualByComparingTo("67");
        assertThat(bar.buyVolume).isEqualByComparingTo("1");
        assertThat(bar.sellVolume).isEqualByComparingTo("2");
    }

    @Test
    void zeroVolumeBarHasNoVwap() throws Exception {
        add(tick("A").qty("0").build());
        harness.processWatermark(ms(MINUTE_1) - 1);
        assertThat(harness.extractOutputValues())
                .singleElement()
                .satisfies(b -> assertThat(b.vwap).isNull());
    }

    @Test
    void lateTickWithinLatenessEmitsTheWholeUpdatedBarAgain() throws Exception {
        add(tick("A").at(MINUTE_0.plusSeconds(10)).seq(2).price("10").build());
        harness.processWatermark(ms(MINUTE_1) + 30_000);
        add(tick("A").at(MINUTE_0.plusSeconds(5)).seq(1).price("9").qty("1").build());

        List<Bar> bars = harness.extractOutputValues();
        assertThat(bars).hasSize(2);
        assertThat(bars.get(1).open).isEqualTo(new BigDecimal("9"));
        assertThat(bars.get(1).tradeCount).isEqualTo(2);
        assertThat(bars.get(1).volume).isEqualByComparingTo("11");
    }

    /** Fault suite, scenario 8: the window's state, not Flink's watermark, is what a restore keeps. */
    @Test
    void lateTickWithinLatenessAfterARestoreReemitsItsBar() throws Exception {
        add(tick("A").at(MINUTE_0.plusSeconds(10)).seq(2).price("10").build());
        harness.processWatermark(ms(MINUTE_1) + 30_000);
        assertThat(harness.extractOutputValues()).hasSize(1);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = new KeyedOneInputStreamOperatorTestHarness<>(factory(), p -> p.symbol, Types.STRING);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        // Flink does not checkpoint watermarks: the restored operator starts without one, and the
        // late tick waits for the first watermark after the restore.
        add(tick("A").at(MINUTE_0.plusSeconds(5)).seq(1).price("9").qty("1").build());
        harness.processWatermark(ms(MINUTE_1) + 31_000);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(bar -> {
            assertThat(bar.open).isEqualTo(new BigDecimal("9"));
            assertThat(bar.tradeCount).isEqualTo(2);
            assertThat(bar.volume).isEqualByComparingTo("11");
        });
    }

    @Test
    void windowStateAndTimersAreGoneAfterTheLateness() throws Exception {
        add(tick("A").build());
        add(tick("B").build());
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(ms(MINUTE_1) - 1 + LATENESS.toMillis());
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        // Beyond the lateness the window itself sends the tick to its late output.
        add(tick("A").build());
        assertThat(harness.getSideOutput(BarsPipeline.LATE_FOR_WINDOW)).hasSize(1);
    }
}
