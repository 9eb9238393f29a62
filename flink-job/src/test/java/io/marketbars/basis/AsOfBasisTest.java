package io.marketbars.basis;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.index;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.policy;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.common.DeadLetters;
import io.marketbars.records.BasisBar;
import io.marketbars.records.DeadLetter;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AsOfBasisTest {
    private static final long BOUND = 2_000L;
    private static final long LATENESS = 60_000L;
    private static final ZoneId HCM = ZoneId.of("Asia/Ho_Chi_Minh");
    private static final String F = "VN30F2412";

    private KeyedTwoInputStreamOperatorTestHarness<String, Tick, IndexValue, BasisBar> harness;

    private void open(ZoneId zone) throws Exception {
        open(zone, LATENESS);
    }

    private void open(ZoneId zone, long lateness) throws Exception {
        FuturesContracts contracts = new FuturesContracts("VN30F*=VN30", "", "", zone);
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new AsOfBasis(policy(BOUND, lateness, 300_000L), contracts, "trades", "index-values"),
                t -> contracts.underlyingOf(t.symbol),
                v -> v.symbol,
                Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void trade(Instant at, String price) throws Exception {
        Tick t = tick(F).at(at).price(price).build();
        harness.processElement1(new StreamRecord<>(t, t.tsMillis()));
    }

    private void value(Instant at, String v) throws Exception {
        IndexValue i = index("VN30", at, v);
        harness.processElement2(new StreamRecord<>(i, i.tsMillis()));
    }

    private void watermark(long millis) throws Exception {
        harness.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(millis));
    }

    private List<BasisBar> bars() {
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
    void aTradeJoinsTheLatestIndexValueBeforeItNotTheOneAfter() throws Exception {
        open(HCM);
        value(MINUTE_0.plusMillis(500), "1300.00");
        value(MINUTE_0.plusMillis(2_000), "1305.00");
        trade(MINUTE_0.plusMillis(1_000), "1310.5");
        watermark(ms(MINUTE_0) + 59_999);

        assertThat(bars()).hasSize(1);
        BasisBar b = bars().get(0);
        assertThat(b.contract).isEqualTo(F);
        assertThat(b.underlying).isEqualTo("VN30");
        assertThat(b.basisClose).isEqualByComparingTo("10.5");
        assertThat(b.indexClose).isEqualByComparingTo("1300.00");
        assertThat(b.indexCloseMicros).isEqualTo(ms(MINUTE_0.plusMillis(500)) * 1000L);
        // 10.5 / 1300 x 10000 = 80.76923... -> 80.7692
        assertThat(b.basisCloseBps).isEqualTo(new BigDecimal("80.7692"));
        assertThat(b.joinedCount).isEqualTo(1);
        assertThat(b.unjoinedCount).isZero();
    }

    @Test
    void anIndexValueAtTheSameInstantAsTheTradeCounts() throws Exception {
        open(HCM);
        value(MINUTE_0.plusMillis(500), "1300.00");
        value(MINUTE_0.plusMillis(1_000), "1302.00");
        trade(MINUTE_0.plusMillis(1_000), "1310");
        watermark(ms(MINUTE_0) + 59_999);

        assertThat(bars().get(0).basisClose).isEqualByComparingTo("8.00");
    }

    @Test
    void openHighLowCloseFollowTheTradesInEventTimeOrder() throws Exception {
        open(HCM);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(3_000), "1305"); // basis 5
        trade(MINUTE_0.plusMillis(1_000), "1310"); // basis 10, first in event time
        value(MINUTE_0.plusMillis(4_000), "1290");
        trade(MINUTE_0.plusMillis(5_000), "1298"); // basis 8, the last
        trade(MINUTE_0.plusMillis(4_500), "1280"); // basis -10
        watermark(ms(MINUTE_0) + 59_999);

        BasisBar b = bars().get(0);
        assertThat(b.basisOpen).isEqualByComparingTo("10");
        assertThat(b.basisHigh).isEqualByComparingTo("10");
        assertThat(b.basisLow).isEqualByComparingTo("-10");
        assertThat(b.basisClose).isEqualByComparingTo("8");
        assertThat(b.futuresClose).isEqualByComparingTo("1298");
        assertThat(b.indexClose).isEqualByComparingTo("1290");
        assertThat(b.joinedCount).isEqualTo(4);
    }

    @Test
    void aTradeBeforeTheFirstIndexValueIsCountedButNotJoined() throws Exception {
        open(HCM);
        trade(MINUTE_0.plusMillis(1_000), "1310");
        value(MINUTE_0.plusMillis(2_000), "1300");
        trade(MINUTE_0.plusMillis(3_000), "1311");
        watermark(ms(MINUTE_0) + 59_999);

        BasisBar b = bars().get(0);
        assertThat(b.unjoinedCount).isEqualTo(1);
        assertThat(b.joinedCount).isEqualTo(1);
        assertThat(b.basisOpen).isEqualByComparingTo("11");
        assertThat(b.basisClose).isEqualByComparingTo("11");
    }

    @Test
    void withNoIndexValueAtAllTheMinuteHasNoBasis() throws Exception {
        open(HCM);
        trade(MINUTE_0.plusMillis(1_000), "1310");
        watermark(ms(MINUTE_0) + 59_999);

        BasisBar b = bars().get(0);
        assertThat(b.joinedCount).isZero();
        assertThat(b.unjoinedCount).isEqualTo(1);
        assertThat(b.basisClose).isNull();
        assertThat(b.indexClose).isNull();
        assertThat(b.basisCloseBps).isNull();
        assertThat(b.futuresClose).isEqualByComparingTo("1310");
    }

    @Test
    void aValueFromThePreviousTradingDayIsNeverJoined() throws Exception {
        // 16:59:59Z is 23:59:59 on 1 December in Ho Chi Minh City; 17:00:30Z is already 2 December.
        Instant lastOfDay = Instant.parse("2024-12-01T16:59:59Z");
        Instant nextDay = Instant.parse("2024-12-01T17:00:30Z");
        open(HCM);
        value(lastOfDay, "1300");
        trade(nextDay, "1310");
        watermark(ms(nextDay) + 60_000);
        assertThat(bars()).singleElement().satisfies(b -> {
            assertThat(b.joinedCount).isZero();
            assertThat(b.unjoinedCount).isEqualTo(1);
        });
        close();

        // In UTC both instants are on 1 December: the same session, so the value joins.
        open(ZoneId.of("UTC"));
        value(lastOfDay, "1300");
        trade(nextDay, "1310");
        watermark(ms(nextDay) + 60_000);
        assertThat(bars())
                .singleElement()
                .satisfies(b -> assertThat(b.basisClose).isEqualByComparingTo("10"));
    }

    @Test
    void aLateIndexValueWithinTheLatenessReemitsTheMinutesItChanges() throws Exception {
        open(HCM, 120_000L);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(10_000), "1310");
        trade(MINUTE_1.plusMillis(10_000), "1311");
        watermark(ms(MINUTE_1) + 59_999);
        assertThat(bars()).extracting(b -> b.basisClose.toPlainString()).containsExactly("10", "11");

        value(MINUTE_0.plusMillis(5_000), "1301"); // late: both minutes are closed
        assertThat(bars()).hasSize(4);
        assertThat(bars().subList(2, 4))
                .extracting(b -> b.basisClose.toPlainString())
                .containsExactly("9", "10");
        assertThat(deadLetters()).isEmpty();
        // Same trades, new basis: only the index revision tells the sink which version is newer.
        assertThat(bars()).extracting(b -> b.joinedCount).containsExactly(1L, 1L, 1L, 1L);
        assertThat(bars()).extracting(b -> b.indexRevision).containsExactly(1L, 1L, 2L, 2L);
    }

    @Test
    void aLateTradeWithinTheLatenessReemitsItsMinute() throws Exception {
        open(HCM);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(10_000), "1310");
        watermark(ms(MINUTE_0) + 59_999);
        trade(MINUTE_0.plusMillis(20_000), "1320");

        assertThat(bars()).hasSize(2);
        assertThat(bars().get(1).basisClose).isEqualByComparingTo("20");
        assertThat(bars().get(1).joinedCount).isEqualTo(2);
    }

    @Test
    void anIndexValueBeyondTheLatenessGoesToTheDeadLetters() throws Exception {
        open(HCM);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(10_000), "1310");
        watermark(ms(MINUTE_0) + 59_999 + LATENESS);
        value(MINUTE_0.plusMillis(5_000), "1301");

        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("LATE_BEYOND_ALLOWED_LATENESS");
            assertThat(d.sourceTopic).isEqualTo("index-values");
        });
        assertThat(bars()).hasSize(1);
    }

    @Test
    void aRepeatedValueIsADuplicateAndADifferentOneAtTheSameInstantACorrection() throws Exception {
        open(HCM);
        value(MINUTE_0.plusMillis(1_000), "1300");
        value(MINUTE_0.plusMillis(1_000), "1300.0");
        value(MINUTE_0.plusMillis(1_000), "1299"); // later offset: corrects the value
        trade(MINUTE_0.plusMillis(2_000), "1310");
        watermark(ms(MINUTE_0) + 59_999);

        assertThat(bars().get(0).basisClose).isEqualByComparingTo("11");
        assertThat(bars().get(0).indexRevision)
                .as("every admitted value counts, duplicates too")
                .isEqualTo(3);
    }

    @Test
    void aLateIndexValueAfterARestoreStillReemitsTheMinutesItChanges() throws Exception {
        open(HCM, 300_000L);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(30_000), "1310");
        watermark(ms(MINUTE_0) + 59_999);
        assertThat(bars()).extracting(b -> b.basisClose.toPlainString()).containsExactly("10");
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        // Flink does not checkpoint watermarks: the restored operator starts without one.
        FuturesContracts contracts = new FuturesContracts("VN30F*=VN30", "", "", HCM);
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator<>(
                        new AsOfBasis(policy(BOUND, 300_000L, 300_000L), contracts, "trades", "index-values")),
                (Tick t) -> contracts.underlyingOf(t.symbol),
                (IndexValue v) -> v.symbol,
                Types.STRING);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        value(MINUTE_0.plusMillis(20_000), "1305");

        assertThat(bars()).extracting(b -> b.basisClose.toPlainString()).containsExactly("5");
        assertThat(bars().get(0).indexRevision)
                .as("the count survives the restore")
                .isEqualTo(2);
    }

    @Test
    void indexValuesWithoutFuturesAreForgottenAfterTheirTradingDay() throws Exception {
        open(HCM);
        value(MINUTE_0.plusSeconds(5), "1300");
        value(MINUTE_0.plusSeconds(30), "1301");
        watermark(ms(MINUTE_0) + 10L * 24 * 3_600_000L);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void stateAndTimersGoBackToZeroAfterTheLateness() throws Exception {
        open(HCM);
        value(MINUTE_0, "1300");
        trade(MINUTE_0.plusMillis(10_000), "1310");
        watermark(ms(MINUTE_1) + 59_999 + LATENESS + 60_000 + 24 * 3_600_000L);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }
}
