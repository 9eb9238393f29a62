package io.marketbars.ohlcv;

import static io.marketbars.testing.TestTicks.MINUTE_0;
import static io.marketbars.testing.TestTicks.MINUTE_1;
import static io.marketbars.testing.TestTicks.ms;
import static io.marketbars.testing.TestTicks.policy;
import static io.marketbars.testing.TestTicks.tick;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.functions.TradeKeyState;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A symbol restored with the 0.1.0 layout (one {@code trade-key-state} value holding the pending
 * ticks and the seen sequence numbers) goes on exactly where it stopped once
 * {@link OrderAndDeduplicate} moves it into the new states, on the heap and on RocksDB.
 */
class LegacyTradeStateMigrationTest {
    private static final long LATENESS = 60_000L;
    private static final long RETENTION = 24 * 3_600_000L;

    /** Writes the 0.1.0 value as 0.1.0 did: seq 1 seen, two ticks pending, a tick-rule price. */
    static final class LegacyWriter extends KeyedProcessFunction<String, Tick, Tick> {
        private transient ValueState<TradeKeyState> state;

        @Override
        public void open(OpenContext openContext) {
            state = getRuntimeContext().getState(new ValueStateDescriptor<>("trade-key-state", TradeKeyState.class));
        }

        @Override
        public void processElement(Tick t, Context ctx, Collector<Tick> out) throws Exception {
            TradeKeyState s = state.value() == null ? new TradeKeyState() : state.value();
            long cleanup = ms(MINUTE_1) - 1 + LATENESS;
            s.markSeen(t.seq, cleanup);
            if (s.pendingCount == 0 || t.tsMillis() < s.pending[0].tsMillis()) {
                ctx.timerService().registerEventTimeTimer(t.tsMillis());
            }
            s.addPending(t);
            s.maxTimestamp = Math.max(s.maxTimestamp, t.tsMillis());
            s.lastPrice = new BigDecimal("10");
            s.lastMove = Tick.SIDE_BUY;
            s.cleanupTimer = cleanup;
            ctx.timerService().registerEventTimeTimer(cleanup);
            state.update(s);
        }
    }

    private static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }

    private static <O, F extends KeyedProcessFunction<String, Tick, O>>
            KeyedOneInputStreamOperatorTestHarness<String, Tick, O> harness(F fn, String backend) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Tick, O> h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(fn), t -> t.symbol, Types.STRING);
        h.setStateBackend(backend(backend));
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"heap", "rocksdb"})
    void aSymbolInTheOldLayoutIsMovedAndGoesOnWhereItStopped(String backend) throws Exception {
        OperatorSubtaskState saved;
        try (KeyedOneInputStreamOperatorTestHarness<String, Tick, Tick> old = harness(new LegacyWriter(), backend)) {
            old.open();
            for (Tick t : new Tick[] {
                tick("A").at(MINUTE_0.plusMillis(700)).seq(2).price("9").build(),
                tick("A").at(MINUTE_0.plusMillis(300)).seq(1).price("11").build()
            }) {
                old.processElement(new StreamRecord<>(t, t.tsMillis()));
            }
            saved = old.snapshot(1L, 1L);
        }
        try (KeyedOneInputStreamOperatorTestHarness<String, Tick, BarAccumulator> h = harness(
                new OrderAndDeduplicate(policy(2_000L, LATENESS, 300_000L), RETENTION, "trades", t -> true), backend)) {
            h.initializeState(saved);
            h.open();
            Tick repeat =
                    tick("A").at(MINUTE_0.plusMillis(900)).seq(1).price("12").build();
            h.processElement(new StreamRecord<>(repeat, repeat.tsMillis()));
            Tick next =
                    tick("A").at(MINUTE_0.plusMillis(500)).seq(3).price("11").build();
            h.processElement(new StreamRecord<>(next, next.tsMillis()));
            h.processWatermark(ms(MINUTE_0) + 999);

            // The restored pending ticks and the new one, in (ts, seq) order; seq 1 was a duplicate.
            List<Tick> released = h.getSideOutput(OrderAndDeduplicate.RELEASED_TICKS).stream()
                    .map(StreamRecord::getValue)
                    .collect(Collectors.toList());
            assertThat(released).extracting(t -> t.seq).containsExactly(1L, 3L, 2L);
            // The tick rule goes on from the restored price 10: up, level (so still up), down.
            assertThat(released).extracting(t -> t.side).containsExactly(Tick.SIDE_BUY, Tick.SIDE_BUY, Tick.SIDE_SELL);

            h.processWatermark(ms(MINUTE_1) - 1 + LATENESS);
            if (backend.equals("heap")) { // the harness counts entries only on the heap
                // The old value is gone; what is left is the new layout's constant-size scalars.
                assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            }
        }
    }
}
