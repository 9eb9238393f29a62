package io.marketbars.records.serialization;

import io.marketbars.records.Tick;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type information for {@link Tick}: it tells Flink to use {@link TickSerializer}. */
public final class TickTypeInfo extends TypeInformation<Tick> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<Tick> getTypeClass() {
        return Tick.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<Tick> createSerializer(SerializerConfig config) {
        return TickSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "TickTypeInfo";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof TickTypeInfo;
    }

    @Override
    public int hashCode() {
        return TickTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof TickTypeInfo;
    }

    /** Referenced by the {@code @TypeInfo} annotation on {@link Tick}. */
    public static final class Factory extends TypeInfoFactory<Tick> {
        @Override
        public TypeInformation<Tick> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new TickTypeInfo();
        }
    }
}
