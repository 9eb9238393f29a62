package io.marketbars.ohlcv;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.MINUTE_2;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.policy;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.common.DeadLetters;
import io.marketbars.common.Minutes;
import io.marketbars.functions.BarAccumulator;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.Tick;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OrderAndDeduplicateTest {
    private static final long BOUND = 2_000L;
    private static final long LATENESS = 60_000L;
    private static final long JUMP = 300_000L;
    private static final long RETENTION = 24 * 3_600_000L;

    private KeyedOneInputStreamOperatorTestHarness<String, Tick, BarAccumulator> harness;

    /** Every released tick is also passed on, so the tests see the order and sides directly. */
    private static OrderAndDeduplicate operator() {
        return new OrderAndDeduplicate(policy(BOUND, LATENESS, JUMP), RETENTION, "trades", t -> true);
    }

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(operator(), t -> t.symbol, Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void add(Tick t) throws Exception {
        harness.processElement(new StreamRecord<>(t, t.tsMillis()));
    }

    /** The ticks released so far, in the order they were passed on. */
    private List<Tick> released() {
        return harness.getSideOutput(OrderAndDeduplicate.RELEASED_TICKS) == null
                ? List.of()
                : harness.getSideOutput(OrderAndDeduplicate.RELEASED_TICKS).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    /** The partial bars emitted so far, for the window. */
    private List<BarAccumulator> parts() {
        return harness.extractOutputValues();
    }

    private List<DeadLetter> deadLetters() {
        return harness.getSideOutput(DeadLetters.TAG) == null
                ? List.of()
                : harness.getSideOutput(DeadLetters.TAG).stream()
                        .map(StreamRecord::getValue)
                        .collect(Collectors.toList());
    }

    /** Passes the end of MINUTE_0: its release timer lets out whatever the watermark passed. */
    private void closeMinute0() throws Exception {
        harness.processWatermark(ms(MINUTE_1) - 1);
    }

    @Test
    void releasesInTsThenSeqOrderOnceTheWatermarkPasses() throws Exception {
        add(tick("A").at(MINUTE_0.plusMillis(500)).seq(3).price("10").build());
        add(tick("A").at(MINUTE_0.plusMillis(500)).seq(2).price("11").build());
        add(tick("A").at(MINUTE_0.plusMillis(100)).seq(9).price("12").build());
        assertThat(released()).isEmpty();

        closeMinute0();
        assertThat(released()).extracting(t -> t.seq).containsExactly(9L, 2L, 3L);
    }

    @Test
    void theSymbolsNextTickReleasesWhatTheWatermarkPassedWithoutATimer() throws Exception {
        add(tick("A").at(MINUTE_0.plusMillis(500)).seq(2).build());
        add(tick("A").at(MINUTE_0.plusMillis(100)).seq(1).build());
        harness.processWatermark(ms(MINUTE_0) + 600);
        assertThat(released()).isEmpty(); // the minute's release timer is at its end
        add(tick("A").at(MINUTE_0.plusMillis(1_500)).seq(3).build());
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 2L);
        harness.processWatermark(ms(MINUTE_0) + 2_000);
        add(tick("A").at(MINUTE_0.plusMillis(2_500)).seq(4).build());
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 2L, 3L);
        // Timers: the minute's release, its cleanup; none per release.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void aWatermarkJumpReleasesEverythingItPassedInOrderFromOneTimer() throws Exception {
        add(tick("A").at(MINUTE_1.plusMillis(500)).seq(2).build());
        add(tick("A").at(MINUTE_0.plusMillis(59_900)).seq(1).build()); // 0.6 s behind: within the bound
        add(tick("A").at(MINUTE_1.plusMillis(1_000)).seq(3).build());
        add(tick("A").at(MINUTE_1.plusMillis(1_500)).seq(4).build());
        // The minutes' cleanup timers (MINUTE_0's is at MINUTE_1's end, with a minute of lateness)
        // and release timers at the end of each minute that became the earliest pending one.
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);
        harness.processWatermark(ms(MINUTE_1) + 1_200);
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 2L, 3L);
        // Released up to the watermark, from one timer; seq 4 waits for MINUTE_1's end.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void theReleasesOfAMinuteGoToTheWindowAsOnePartWhenTheWatermarkPassesItsEnd() throws Exception {
        add(tick("A").at(MINUTE_0.plusSeconds(1)).seq(1).price("10").qty("100").build());
        add(tick("A").at(MINUTE_0.plusSeconds(5)).seq(2).price("12").qty("200").build());
        add(tick("B").at(MINUTE_0.plusSeconds(2)).seq(1).price("50").qty("10").build());
        harness.processWatermark(ms(MINUTE_0) + 10_000);
        add(tick("A").at(MINUTE_0.plusSeconds(30)).seq(3).price("9").qty("300").build());
        harness.processWatermark(ms(MINUTE_0) + 40_000);
        assertThat(released()).hasSize(2); // A's first two, by A's third tick
        assertThat(parts()).isEmpty(); // the minute is still open

        closeMinute0();
        assertThat(released()).hasSize(4);
        assertThat(parts()).hasSize(2);
        BarAccumulator a =
                parts().stream().filter(p -> p.symbol.equals("A")).findFirst().orElseThrow();
        assertThat(a.tradeCount).isEqualTo(3);
        assertThat(a.open).isEqualByComparingTo("10");
        assertThat(a.high).isEqualByComparingTo("12");
        assertThat(a.low).isEqualByComparingTo("9");
        assertThat(a.close).isEqualByComparingTo("9");
        assertThat(a.volume).isEqualByComparingTo("600");
        assertThat(a.turnover).isEqualByComparingTo("6100"); // 1000 + 2400 + 2700
        // The tick rule's sides reach the part: 10 (unknown), 12 (up, buy), 9 (down, sell).
        assertThat(a.buyVolume).isEqualByComparingTo("200");
        assertThat(a.sellVolume).isEqualByComparingTo("300");
        assertThat(parts())
                .filteredOn(p -> p.symbol.equals("B"))
                .singleElement()
                .satisfies(b -> assertThat(b.tradeCount).isEqualTo(1));
    }

    @Test
    void aWatermarkJumpEmitsOnePartPerMinutePassedAndKeepsTheOpenMinute() throws Exception {
        add(tick("A").at(MINUTE_0.plusSeconds(10)).seq(1).build());
        add(tick("A").at(MINUTE_0.plusSeconds(50)).seq(2).build());
        add(tick("A").at(MINUTE_1.plusSeconds(10)).seq(3).build());
        add(tick("A").at(MINUTE_2.plusSeconds(10)).seq(4).build());
        harness.processWatermark(ms(MINUTE_2) + 30_000);
        assertThat(parts())
                .extracting(p -> Minutes.ofMicros(p.openTs) - Minutes.ofMicros(MINUTE_0.toEpochMilli() * 1000L))
                .containsExactly(0L, 1L);
        assertThat(parts()).extracting(p -> p.tradeCount).containsExactly(2L, 1L);
        harness.processWatermark(ms(MINUTE_2) + 59_999);
        assertThat(parts()).extracting(p -> p.tradeCount).containsExactly(2L, 1L, 1L);
    }

    @Test
    void aLateTickJoinsItsMinutesOpenPartOrGoesAloneWhenItsMinuteWasPassed() throws Exception {
        add(tick("A").at(MINUTE_1.plusSeconds(10)).seq(1).build());
        harness.processWatermark(ms(MINUTE_1) + 20_000);
        add(tick("A").at(MINUTE_1.plusSeconds(15)).seq(2).build()); // late; its minute is open
        assertThat(parts()).isEmpty();
        add(tick("A").at(MINUTE_0.plusSeconds(50)).seq(3).build()); // late; its minute was passed
        assertThat(parts()).singleElement().satisfies(p -> {
            assertThat(p.tradeCount).isEqualTo(1);
            assertThat(p.openSeq).isEqualTo(3L);
        });
        assertThat(lateAcceptedAndReleased()).containsExactly(1L, 2L, 3L);
        harness.processWatermark(ms(MINUTE_1) + 59_999);
        assertThat(parts()).extracting(p -> p.tradeCount).containsExactly(1L, 2L);
    }

    private List<Long> lateAcceptedAndReleased() {
        return released().stream().map(t -> t.seq).collect(Collectors.toList());
    }

    @Test
    void withoutSeqArrivalOrderInThePartitionDecides() throws Exception {
        add(tick("A").at(MINUTE_0).offset(0, 42).price("2").build());
        add(tick("A").at(MINUTE_0).offset(0, 41).price("1").build());
        closeMinute0();
        assertThat(released()).extracting(t -> t.offset).containsExactly(41L, 42L);
    }

    @Test
    void duplicatesAreDroppedAndCounted() throws Exception {
        add(tick("A").seq(1).build());
        add(tick("A").seq(1).price("999").build());
        add(tick("B").seq(1).build()); // same seq, other symbol: not a duplicate
        closeMinute0();
        assertThat(released()).hasSize(2);
        assertThat(released()).extracting(t -> t.price.toPlainString()).containsOnly("100.00");
    }

    @Test
    void tickRuleFollowsEventOrderAcrossMinutesAndZeroTicksKeepTheLastMove() throws Exception {
        // Arrival order 1, 3, 2, 4, 5; event order 1, 2, 3, 4, 5.
        add(tick("A").at(MINUTE_0.plusSeconds(1)).seq(1).price("10").build()); // first trade: unknown
        add(tick("A").at(MINUTE_0.plusSeconds(31)).seq(3).price("10").build()); // 11 -> 10: down, sell
        add(tick("A").at(MINUTE_0.plusSeconds(30)).seq(2).price("11").build()); // 10 -> 11: up, buy
        add(tick("A").at(MINUTE_1.plusSeconds(1)).seq(4).price("10").build()); // zero tick after a down: sell
        add(tick("A")
                .at(MINUTE_1.plusSeconds(2))
                .seq(5)
                .price("10.5")
                .quote("10.4", "10.6")
                .build()); // at mid: up, buy
        harness.processWatermark(ms(MINUTE_1) + 2999);
        assertThat(released()).extracting(t -> t.seq + ":" + t.side).containsExactly("1:0", "2:1", "3:2", "4:2", "5:1");
    }

    @Test
    void explicitSideWinsOverQuoteAndQuoteOverTickRule() throws Exception {
        add(tick("A").seq(1).price("10").build());
        add(tick("A")
                .at(MINUTE_0.plusMillis(1))
                .seq(2)
                .price("11")
                .sell()
                .quote("10", "11")
                .build());
        add(tick("A")
                .at(MINUTE_0.plusMillis(2))
                .seq(3)
                .price("12")
                .quote("12", "13")
                .build()); // at bid: sell though up
        add(tick("A")
                .at(MINUTE_0.plusMillis(3))
                .seq(4)
                .price("11")
                .quote("10", "11")
                .build()); // at ask: buy though down
        closeMinute0();
        assertThat(released())
                .extracting(t -> t.side)
                .containsExactly(Tick.SIDE_UNKNOWN, Tick.SIDE_SELL, Tick.SIDE_SELL, Tick.SIDE_BUY);
    }

    @Test
    void lateTickWithinLatenessPassesAtOnceWithoutTickRule() throws Exception {
        add(tick("A").at(MINUTE_0.plusSeconds(10)).seq(1).price("10").build());
        harness.processWatermark(ms(MINUTE_1) + 5_000);
        add(tick("A").at(MINUTE_0.plusSeconds(20)).seq(2).price("11").build());
        add(tick("A").at(MINUTE_0.plusSeconds(21)).seq(3).price("11").buy().build());
        assertThat(released()).extracting(t -> t.seq + ":" + t.side).containsExactly("1:0", "2:0", "3:1");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aTickBehindItsSymbolByMoreThanTheBoundIsLateEvenBeforeFlinksWatermarkMoves() throws Exception {
        add(tick("A").at(MINUTE_1.plusSeconds(30)).seq(1).build());
        add(tick("A").at(MINUTE_1.plusSeconds(27)).seq(2).sell().build()); // 3 s behind: late, passed at once
        add(tick("A").at(MINUTE_1.plusSeconds(29)).seq(3).build()); // 1 s behind: within the bound, sorted
        assertThat(released()).extracting(t -> t.seq).containsExactly(2L);
        add(tick("B").at(MINUTE_1.plusSeconds(120)).seq(1).build());
        add(tick("B").at(MINUTE_0).seq(2).build()); // its bar closed for good, as far as B's own clock goes
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("LATE_BEYOND_ALLOWED_LATENESS");
        harness.processWatermark(ms(MINUTE_2) - 1);
        assertThat(released()).extracting(t -> t.seq).containsExactly(2L, 3L, 1L);
    }

    @Test
    void lateTickBeyondLatenessGoesToDeadLetterWithItsCoordinates() throws Exception {
        harness.processWatermark(ms(MINUTE_1) - 1 + LATENESS);
        add(tick("A").at(MINUTE_0.plusSeconds(59)).seq(1).offset(3, 77).build());
        assertThat(released()).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("LATE_BEYOND_ALLOWED_LATENESS");
            assertThat(d.sourceTopic).isEqualTo("trades");
            assertThat(d.sourcePartition).isEqualTo(3);
            assertThat(d.sourceOffset).isEqualTo(77L);
            assertThat(new String(d.value)).contains("\"seq\":1");
        });
        // One millisecond earlier the bar was still open.
        add(tick("A").at(MINUTE_1.plusSeconds(0)).seq(2).build());
        assertThat(released()).hasSize(1);
    }

    @Test
    void oneTickWithABadClockDoesNotMakeTheFollowingTicksLate() throws Exception {
        add(tick("A").at(MINUTE_0).seq(1).build());
        add(tick("A").at(MINUTE_0.plusSeconds(600)).seq(2).offset(0, 9).build()); // 10 min ahead
        for (int i = 3; i < 10; i++) {
            add(tick("A").at(MINUTE_0.plusSeconds(i)).seq(i).build());
        }
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("TIMESTAMP_OUT_OF_RANGE");
            assertThat(d.sourceOffset).isEqualTo(9L);
        });
        harness.processWatermark(ms(MINUTE_1) + 600_000);
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void aNewSessionHoursLaterIsConfirmedByItsSecondTick() throws Exception {
        add(tick("A").at(MINUTE_0).seq(1).build());
        add(tick("A").at(MINUTE_0.plusSeconds(18 * 3600)).seq(2).build());
        add(tick("A").at(MINUTE_0.plusSeconds(18 * 3600 + 1)).seq(3).build());
        // Within the bound of the new clock: sorted in, not late.
        add(tick("A")
                .at(MINUTE_0.plusSeconds(18 * 3600).minusMillis(500))
                .seq(4)
                .sell()
                .build());
        assertThat(deadLetters()).isEmpty();
        harness.processWatermark(ms(MINUTE_0) + 18 * 3_600_000L + 5_000);
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 4L, 2L, 3L);
    }

    @Test
    void anIlliquidSymbolsTradesAfterAGapAreAllKept() throws Exception {
        add(tick("A").at(MINUTE_0).seq(1).build());
        add(tick("A").at(MINUTE_0.plusSeconds(18 * 3600)).seq(2).build());
        add(tick("A").at(MINUTE_0.plusSeconds(18 * 3600 + 1800)).seq(3).build()); // 30 min later: still ahead
        harness.processWatermark(ms(MINUTE_0) + 19 * 3_600_000L);
        assertThat(deadLetters()).isEmpty();
        assertThat(released()).extracting(t -> t.seq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void timestampFarAheadOfTheWatermarkIsDeadLettered() throws Exception {
        harness.processWatermark(ms(MINUTE_0));
        add(tick("A").at(MINUTE_0.plusSeconds(31L * 24 * 3600)).seq(1).build());
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("TIMESTAMP_OUT_OF_RANGE");
    }

    @Test
    void timersAndStateAreCleanedOnceBarsCanNoLongerChange() throws Exception {
        for (int i = 0; i < 50; i++) {
            add(tick("A").at(MINUTE_0.plusMillis(i * 1000L)).seq(i).build());
        }
        harness.processWatermark(ms(MINUTE_1) - 1);
        assertThat(released()).hasSize(50);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1); // the bar's cleanup time
        harness.processWatermark(ms(MINUTE_1) - 1 + LATENESS);
        // What stays per symbol is constant-size: the last price for the tick rule and its clock,
        // and one timer to forget the symbol if it stays quiet for the whole retention.
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        // A duplicate of an expired seq is now simply late.
        add(tick("A").at(MINUTE_0).seq(1).build());
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("LATE_BEYOND_ALLOWED_LATENESS");
    }

    @Test
    void anActiveSymbolWithoutSeqKeepsOneForgetTimerNotOnePerRelease() throws Exception {
        for (int i = 0; i < 100; i++) {
            add(tick("A").at(MINUTE_0.plusSeconds(i)).build());
            harness.processWatermark(ms(MINUTE_0) + i * 1000L);
        }
        // Cleanup timers of the two minutes touched, one release timer, one forget timer.
        assertThat(harness.numEventTimeTimers()).isLessThanOrEqualTo(4);
    }

    @Test
    void aSymbolQuietForTheWholeRetentionIsForgotten() throws Exception {
        add(tick("A").seq(1).build());
        harness.processWatermark(ms(MINUTE_1) - 1 + LATENESS);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        harness.processWatermark(ms(MINUTE_0) + RETENTION);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void theEndOfInputClearsEverySymbolAndTerminates() throws Exception {
        for (int i = 0; i < 5; i++) {
            add(tick("A").at(MINUTE_0.plusSeconds(i * 50L)).build()); // cleanup timers in several minutes
        }
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(released()).hasSize(5);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void lateDecisionsSurviveARestoreThoughWatermarksAreNotCheckpointed() throws Exception {
        add(tick("A").at(MINUTE_0).seq(1).build());
        harness.processWatermark(ms(MINUTE_1) - 1 + LATENESS);
        var snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(operator()), t -> t.symbol, Types.STRING);
        harness.initializeState(snapshot);
        harness.open();
        // The restored operator sees no watermark yet, but the bar of MINUTE_0 is already final.
        add(tick("A").at(MINUTE_0.plusSeconds(5)).seq(2).build());
        assertThat(released()).isEmpty();
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("LATE_BEYOND_ALLOWED_LATENESS");
    }
}
