package io.marketbars.flow;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.MINUTE_2;
import static io.marketbars.testing.TestTicks.flow;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.policy;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.common.DeadLetters;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.FlowBar;
import io.marketbars.records.FlowSnapshot;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForeignFlowTest {
    private static final long BOUND = 2_000L;
    private static final long LATENESS = 60_000L;
    private static final ZoneId HCM = ZoneId.of("Asia/Ho_Chi_Minh");

    private KeyedOneInputStreamOperatorTestHarness<String, FlowSnapshot, FlowBar> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(function(LATENESS), f -> f.symbol, Types.STRING);
    }

    private static ForeignFlow function(long lateness) {
        return new ForeignFlow(policy(BOUND, lateness, 300_000L), HCM, "foreign-flow");
    }

    /** A fresh harness with five minutes of lateness, optionally restored from a snapshot. */
    private void reopen(org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot) throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(function(300_000L)),
                (FlowSnapshot f) -> f.symbol,
                Types.STRING);
        harness.setup();
        if (snapshot != null) {
            harness.initializeState(snapshot);
        }
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void add(FlowSnapshot f) throws Exception {
        harness.processElement(new StreamRecord<>(f, f.tsMillis()));
    }

    private List<FlowBar> bars() {
        return harness.extractOutputValues();
    }

    private List<DeadLetter> deadLetters() {
        return harness.getSideOutput(DeadLetters.TAG) == null
                ? List.of()
                : harness.getSideOutput(DeadLetters.TAG).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    @Test
    void deltasOfConsecutiveSnapshotsMakeTheMinutesFlowAndTheDayTotals() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "1000", "400", "100000", "40000"));
        add(flow("FPT", MINUTE_0.plusSeconds(40), "1600", "500", "160600", "50100"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "1700", "900", "170700", "90500"));
        harness.processWatermark(ms(MINUTE_1) + 59_999);

        assertThat(bars()).hasSize(2);
        FlowBar m0 = bars().get(0);
        // The first snapshot of the day is measured from zero.
        assertThat(m0.buyQty).isEqualByComparingTo("1600");
        assertThat(m0.sellQty).isEqualByComparingTo("500");
        assertThat(m0.netQty).isEqualByComparingTo("1100");
        assertThat(m0.buyValue).isEqualByComparingTo("160600");
        assertThat(m0.netValue).isEqualByComparingTo("110500");
        assertThat(m0.dayBuyQty).isEqualByComparingTo("1600");
        // Rated: only the second snapshot has a predecessor: 600 buy, 100 sell over 30 s.
        assertThat(m0.ratedSpanMillis).isEqualTo(30_000);
        assertThat(m0.buyQtyPerMin).isEqualTo(new BigDecimal("1200.000000"));
        assertThat(m0.netQtyPerMin).isEqualTo(new BigDecimal("1000.000000"));
        assertThat(m0.snapshotCount).isEqualTo(2);

        FlowBar m1 = bars().get(1);
        assertThat(m1.buyQty).isEqualByComparingTo("100");
        assertThat(m1.sellQty).isEqualByComparingTo("400");
        assertThat(m1.netQty).isEqualByComparingTo("-300");
        assertThat(m1.dayBuyQty).isEqualByComparingTo("1700");
        assertThat(m1.daySellQty).isEqualByComparingTo("900");
        assertThat(m1.daySellValue).isEqualByComparingTo("90500");
        assertThat(m1.ratedSpanMillis).isEqualTo(30_000);
        assertThat(m1.tradingDay)
                .isEqualTo((int) java.time.LocalDate.of(2024, 12, 2).toEpochDay());
    }

    @Test
    void aCounterGoingBackwardsIsAFeedResetNotNegativeFlow() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "1000", "400"));
        add(flow("FPT", MINUTE_0.plusSeconds(20), "300", "450")); // buy went backwards: reset
        add(flow("FPT", MINUTE_0.plusSeconds(30), "350", "460"));
        harness.processWatermark(ms(MINUTE_0) + 59_999);

        FlowBar b = bars().get(0);
        assertThat(b.resetCount).isEqualTo(1);
        // 1000/400 from zero, nothing from the reset, then 50/10 from the reset's counters.
        assertThat(b.buyQty).isEqualByComparingTo("1050");
        assertThat(b.sellQty).isEqualByComparingTo("410");
        assertThat(b.buyQty.signum()).isPositive();
        assertThat(b.dayBuyQty).isEqualByComparingTo("1050");
        // The reset's interval is not rated: only the last delta (50, 10 over 10 s) is.
        assertThat(b.ratedSpanMillis).isEqualTo(10_000);
        assertThat(b.buyQtyPerMin).isEqualByComparingTo("300");
    }

    @Test
    void aBackwardJumpAfterAReconnectIsResetThenFlowResumesFromIt() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "1000", "400"));
        harness.processWatermark(ms(MINUTE_0) + 59_999);
        add(flow("FPT", MINUTE_1.plusSeconds(5), "990", "400")); // stale server after reconnect
        add(flow("FPT", MINUTE_1.plusSeconds(15), "1200", "400")); // back to the live counters
        harness.processWatermark(ms(MINUTE_1) + 59_999);

        FlowBar m1 = bars().get(1);
        assertThat(m1.resetCount).isEqualTo(1);
        assertThat(m1.buyQty).isEqualByComparingTo("210");
        assertThat(m1.dayBuyQty).isEqualByComparingTo("1210");
    }

    @Test
    void aNewTradingDayStartsFromZero() throws Exception {
        // 16:59:50Z is 23:59:50 in Ho Chi Minh City; 17:00:10Z is the next trading day there.
        Instant lastOfDay = Instant.parse("2024-12-02T16:59:50Z");
        Instant nextDay = Instant.parse("2024-12-02T17:00:10Z");
        add(flow("FPT", lastOfDay, "5000", "4000"));
        add(flow("FPT", nextDay, "100", "50"));
        harness.processWatermark(ms(nextDay) + 60_000);

        assertThat(bars()).hasSize(2);
        FlowBar next = bars().get(1);
        assertThat(next.resetCount).isZero();
        assertThat(next.buyQty).isEqualByComparingTo("100");
        assertThat(next.dayBuyQty).isEqualByComparingTo("100");
        assertThat(next.ratedSpanMillis).isZero();
        assertThat(next.buyQtyPerMin).isNull();
        assertThat(next.tradingDay).isEqualTo(bars().get(0).tradingDay + 1);
    }

    @Test
    void snapshotsOutOfOrderWithinTheBoundAreOrderedByTime() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_0.plusSeconds(59), "300", "30"));
        add(flow("FPT", MINUTE_0.plusMillis(58_500), "200", "20")); // 0.5 s behind
        add(flow("FPT", MINUTE_1.plusMillis(500), "400", "40"));
        harness.processWatermark(ms(MINUTE_0) + 59_999);

        FlowBar b = bars().get(0);
        assertThat(b.resetCount).isZero();
        assertThat(b.buyQty).isEqualByComparingTo("300");
        assertThat(b.snapshotCount).isEqualTo(3);
    }

    @Test
    void aLateSnapshotReemitsItsMinuteAndTheLaterOnes() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "300", "30"));
        harness.processWatermark(ms(MINUTE_1) + 59_999);
        assertThat(bars()).extracting(b -> b.buyQty.toPlainString()).containsExactly("100", "200");

        add(flow("FPT", MINUTE_1.plusSeconds(5), "250", "25")); // late, within the lateness
        assertThat(bars()).hasSize(3);
        assertThat(bars().get(2).bucketStartMillis).isEqualTo(ms(MINUTE_1));
        assertThat(bars().get(2).snapshotCount).isEqualTo(2);
        assertThat(bars().get(2).buyQty).isEqualByComparingTo("200");
        assertThat(bars().get(2).ratedSpanMillis).isEqualTo(60_000);
    }

    @Test
    void aLateCorrectedSnapshotReemitsWithTheSameCountsAndAHigherRevision() throws Exception {
        reopen(null);
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "300", "30"));
        harness.processWatermark(ms(MINUTE_1) + 59_999);
        add(flow("FPT", MINUTE_0.plusSeconds(10), "120", "10")); // same instant, later offset: a correction

        assertThat(bars())
                .extracting(b -> b.bucketStartMillis + "=" + b.buyQty.toPlainString() + "/" + b.snapshotCount + " rev "
                        + b.snapshotRevision)
                .containsExactly(
                        ms(MINUTE_0) + "=100/1 rev 2", ms(MINUTE_1) + "=200/1 rev 2",
                        ms(MINUTE_0) + "=120/1 rev 3", ms(MINUTE_1) + "=180/1 rev 3");
    }

    @Test
    void aLateSnapshotInAnEarlierMinuteReemitsTheLaterClosedMinutesItChanges() throws Exception {
        reopen(null);
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "300", "30"));
        harness.processWatermark(ms(MINUTE_1) + 59_999);
        add(flow("FPT", MINUTE_0.plusSeconds(30), "150", "15")); // late, in the earlier minute

        List<FlowBar> updates = bars().subList(2, bars().size());
        assertThat(updates).extracting(b -> b.buyQty.toPlainString()).containsExactly("150", "150");
        assertThat(updates.get(1).dayBuyQty).isEqualByComparingTo("300");
    }

    @Test
    void aLateSnapshotAfterARestoreReemitsEveryMinuteItChanges() throws Exception {
        reopen(null);
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "300", "30"));
        harness.processWatermark(ms(MINUTE_1) + 59_999);
        // Flink does not checkpoint watermarks: the restored operator starts without one.
        reopen(harness.snapshot(1L, 1L));
        add(flow("FPT", MINUTE_0.plusSeconds(30), "150", "15"));

        assertThat(bars())
                .extracting(b -> b.bucketStartMillis + "=" + b.buyQty.toPlainString())
                .containsExactly(ms(MINUTE_0) + "=150", ms(MINUTE_1) + "=150");
        assertThat(bars())
                .extracting(b -> b.snapshotRevision)
                .as("the count survives the restore")
                .containsExactly(3L, 3L);
    }

    @Test
    void aSnapshotBeyondTheLatenessGoesToTheDeadLetters() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        harness.processWatermark(ms(MINUTE_2) + 59_999);
        add(flow("FPT", MINUTE_0.plusSeconds(20), "150", "10"));

        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("LATE_BEYOND_ALLOWED_LATENESS");
            assertThat(d.sourceTopic).isEqualTo("foreign-flow");
        });
    }

    @Test
    void aMissingValueMakesTheMinutesValuesAndTheDaysValueTotalsUnknown() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10", "1000", "100"));
        add(flow("FPT", MINUTE_1.plusSeconds(10), "200", "20"));
        add(flow("FPT", MINUTE_2.plusSeconds(10), "300", "30", "3000", "300"));
        harness.processWatermark(ms(MINUTE_2) + 59_999);

        assertThat(bars().get(0).buyValue).isEqualByComparingTo("1000");
        assertThat(bars().get(1).buyValue).isNull();
        assertThat(bars().get(1).dayBuyValue).isNull();
        assertThat(bars().get(2).buyValue).isNull(); // its predecessor had no values
        assertThat(bars().get(2).dayBuyValue).isNull();
        assertThat(bars().get(2).dayBuyQty).isEqualByComparingTo("300");
    }

    @Test
    void duplicatesAreDroppedAndStateGoesToZeroAfterTheDay() throws Exception {
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100", "10"));
        add(flow("FPT", MINUTE_0.plusSeconds(10), "100.0", "10"));
        harness.processWatermark(ms(MINUTE_0) + 59_999);
        assertThat(bars())
                .singleElement()
                .satisfies(b -> assertThat(b.snapshotCount).isEqualTo(1));

        harness.processWatermark(ms(MINUTE_0) + 2 * 24 * 3_600_000L);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }
}
