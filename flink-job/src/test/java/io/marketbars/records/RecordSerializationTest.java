package io.marketbars.records;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojo;
import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import io.marketbars.functions.BarAccumulator;
import io.marketbars.functions.TradeKeyState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every type that crosses the network or lives in state is a Flink POJO: no Kryo anywhere. */
class RecordSerializationTest {
    @ParameterizedTest
    @ValueSource(classes = {Tick.class, Bar.class, DeadLetter.class, BarAccumulator.class, TradeKeyState.class})
    void serializedAsPojoWithoutKryo(Class<?> type) {
        assertSerializedAsPojo(type);
        assertSerializedAsPojoWithoutKryo(type);
    }
}
