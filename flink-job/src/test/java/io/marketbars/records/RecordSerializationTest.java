package io.marketbars.records;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojo;
import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.functions.TradeKeyState;
import io.marketbars.records.serialization.TickSerializer;
import io.marketbars.records.serialization.TickTypeInfo;
import java.math.BigDecimal;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every type that crosses the network or lives in state has a Flink serializer that is not Kryo. */
class RecordSerializationTest {
    @ParameterizedTest
    @ValueSource(
            classes = {
                Bar.class,
                DeadLetter.class,
                BarAccumulator.class,
                TradeKeyState.class,
                io.marketbars.functions.TradeKeyScalars.class,
                io.marketbars.functions.BasisKeyScalars.class,
                io.marketbars.functions.BasisKeyState.class,
                IndexValue.class,
                FlowSnapshot.class,
                BasisBar.class,
                FlowBar.class,
                io.marketbars.functions.KeyClock.class,
                io.marketbars.functions.FlowBase.class,
                io.marketbars.functions.FlowKeyState.class
            })
    void serializedAsPojoWithoutKryo(Class<?> type) {
        assertSerializedAsPojo(type);
        assertSerializedAsPojoWithoutKryo(type);
    }

    @Test
    void tickUsesItsExplicitSerializer() {
        TypeInformation<Tick> info = TypeInformation.of(Tick.class);
        assertThat(info).isInstanceOf(TickTypeInfo.class);
        assertThat(info.createSerializer(new SerializerConfigImpl())).isSameAs(TickSerializer.INSTANCE);
    }

    @Test
    void validTickRoundTripsExactly() throws Exception {
        Tick t = new Tick();
        t.symbol = "VN30F2412";
        t.tsMicros = 1_733_105_700_123_456L;
        t.price = new BigDecimal("1300.50");
        t.qty = new BigDecimal("0.000000000000000001");
        t.seq = 42L;
        t.side = Tick.SIDE_SELL;
        t.bid = new BigDecimal("-0.5"); // the serializer must not care about validation
        t.ask = new BigDecimal("123456789012345678901234567890.123"); // beyond a long
        t.partition = 3;
        t.offset = 9_000_000_000L;
        t.kafkaTimestamp = 1_733_105_700_200L;
        assertThat(roundTrip(t)).usingRecursiveComparison().isEqualTo(t);
    }

    @Test
    void rejectedTickKeepsItsOriginalBytes() throws Exception {
        Tick t = new Tick();
        t.rejectReason = "MALFORMED_JSON";
        t.rejectDetail = "not a JSON object";
        t.raw = new byte[] {(byte) 0xff, 0, 1};
        t.partition = 1;
        t.offset = 7;
        Tick back = roundTrip(t);
        assertThat(back).usingRecursiveComparison().isEqualTo(t);
        assertThat(back.symbol).isNull();
        assertThat(back.rawKey).isNull();
    }

    @Test
    void snapshotRestoresACompatibleSerializer() throws Exception {
        TypeSerializerSnapshot<Tick> snapshot = TickSerializer.INSTANCE.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<Tick> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(restored.restoreSerializer()).isSameAs(TickSerializer.INSTANCE);
        assertThat(TickSerializer.INSTANCE
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(restored)
                        .isCompatibleAsIs())
                .isTrue();
    }

    /**
     * Savepoints hold ticks in this exact format (pending ticks are keyed state). If this test
     * fails, the format changed: old savepoints would be read wrongly. Add a new snapshot version
     * that can still read this one instead of changing the expected bytes.
     */
    @Test
    void theWireFormatOfVersion1IsFrozen() throws Exception {
        Tick t = new Tick();
        t.symbol = "FPT";
        t.tsMicros = 1_733_105_700_123_456L;
        t.price = new BigDecimal("123.45");
        t.qty = new BigDecimal("100");
        t.seq = 7L;
        t.side = Tick.SIDE_BUY;
        t.partition = 2;
        t.offset = 99;
        t.kafkaTimestamp = 1_733_105_700_200L;
        DataOutputSerializer out = new DataOutputSerializer(64);
        TickSerializer.INSTANCE.serialize(t, out);
        assertThat(java.util.HexFormat.of().formatHex(out.getCopyOfBuffer())).isEqualTo(GOLDEN_V1);
    }

    private static final String GOLDEN_V1 =
            "0f04465054000628401d9d334000000000020000000000003039000000000000000000000000640000000000000007010000000200000000000000630000019385264d68";

    private static Tick roundTrip(Tick t) throws Exception {
        TypeSerializer<Tick> s = TickSerializer.INSTANCE;
        DataOutputSerializer out = new DataOutputSerializer(128);
        s.serialize(t, out);
        s.serialize(t, out); // two in a row: the second must start where the first ended
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        s.deserialize(in);
        Tick back = s.deserialize(in);
        assertThat(in.available()).isZero();
        return back;
    }
}
