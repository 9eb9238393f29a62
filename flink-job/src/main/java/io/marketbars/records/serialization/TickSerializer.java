package io.marketbars.records.serialization;

import io.marketbars.records.Tick;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * An explicit serializer for {@link Tick}, the one record every tick crosses the network and sits
 * in state as. Flink's POJO serializer spent a tenth of the job's CPU on it (reflection, null
 * masks, BigDecimal as BigInteger bytes); this one writes a flags byte, fixed-width fields and
 * decimals as (scale, unscaled long) when they fit, which prices and sizes always do.
 *
 * <p>The format is versioned by {@link Snapshot}: changing it needs a new snapshot version that
 * can still read the old one, or savepoints stop restoring.
 */
public final class TickSerializer extends TypeSerializerSingleton<Tick> {
    private static final long serialVersionUID = 1L;

    public static final TickSerializer INSTANCE = new TickSerializer();

    private static final int HAS_SYMBOL = 1;
    private static final int HAS_PRICE = 1 << 1;
    private static final int HAS_QTY = 1 << 2;
    private static final int HAS_SEQ = 1 << 3;
    private static final int HAS_BID = 1 << 4;
    private static final int HAS_ASK = 1 << 5;
    private static final int REJECTED = 1 << 6;

    private static final byte DECIMAL_LONG = 0;
    private static final byte DECIMAL_BIG = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public Tick createInstance() {
        return new Tick();
    }

    @Override
    public Tick copy(Tick from) {
        Tick t = new Tick();
        t.symbol = from.symbol;
        t.tsMicros = from.tsMicros;
        t.price = from.price; // BigDecimal and String are immutable
        t.qty = from.qty;
        t.seq = from.seq;
        t.side = from.side;
        t.bid = from.bid;
        t.ask = from.ask;
        t.partition = from.partition;
        t.offset = from.offset;
        t.kafkaTimestamp = from.kafkaTimestamp;
        t.rejectReason = from.rejectReason;
        t.rejectDetail = from.rejectDetail;
        t.raw = from.raw == null ? null : from.raw.clone();
        t.rawKey = from.rawKey == null ? null : from.rawKey.clone();
        return t;
    }

    @Override
    public Tick copy(Tick from, Tick reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Tick t, DataOutputView out) throws IOException {
        int flags = (t.symbol != null ? HAS_SYMBOL : 0)
                | (t.price != null ? HAS_PRICE : 0)
                | (t.qty != null ? HAS_QTY : 0)
                | (t.seq != null ? HAS_SEQ : 0)
                | (t.bid != null ? HAS_BID : 0)
                | (t.ask != null ? HAS_ASK : 0)
                | (t.rejectReason != null ? REJECTED : 0);
        out.writeByte(flags);
        if (t.symbol != null) {
            StringValue.writeString(t.symbol, out);
        }
        out.writeLong(t.tsMicros);
        if (t.price != null) {
            writeDecimal(t.price, out);
        }
        if (t.qty != null) {
            writeDecimal(t.qty, out);
        }
        if (t.seq != null) {
            out.writeLong(t.seq);
        }
        out.writeByte(t.side);
        if (t.bid != null) {
            writeDecimal(t.bid, out);
        }
        if (t.ask != null) {
            writeDecimal(t.ask, out);
        }
        out.writeInt(t.partition);
        out.writeLong(t.offset);
        out.writeLong(t.kafkaTimestamp);
        if (t.rejectReason != null) {
            StringValue.writeString(t.rejectReason, out);
            StringValue.writeString(t.rejectDetail, out);
            writeBytes(t.raw, out);
            writeBytes(t.rawKey, out);
        }
    }

    @Override
    public Tick deserialize(DataInputView in) throws IOException {
        Tick t = new Tick();
        int flags = in.readUnsignedByte();
        if ((flags & HAS_SYMBOL) != 0) {
            t.symbol = StringValue.readString(in);
        }
        t.tsMicros = in.readLong();
        if ((flags & HAS_PRICE) != 0) {
            t.price = readDecimal(in);
        }
        if ((flags & HAS_QTY) != 0) {
            t.qty = readDecimal(in);
        }
        if ((flags & HAS_SEQ) != 0) {
            t.seq = in.readLong();
        }
        t.side = in.readByte();
        if ((flags & HAS_BID) != 0) {
            t.bid = readDecimal(in);
        }
        if ((flags & HAS_ASK) != 0) {
            t.ask = readDecimal(in);
        }
        t.partition = in.readInt();
        t.offset = in.readLong();
        t.kafkaTimestamp = in.readLong();
        if ((flags & REJECTED) != 0) {
            t.rejectReason = StringValue.readString(in);
            t.rejectDetail = StringValue.readString(in);
            t.raw = readBytes(in);
            t.rawKey = readBytes(in);
        }
        return t;
    }

    @Override
    public Tick deserialize(Tick reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    static void writeDecimal(BigDecimal d, DataOutputView out) throws IOException {
        BigInteger unscaled = d.unscaledValue();
        if (unscaled.bitLength() < 64) {
            out.writeByte(DECIMAL_LONG);
            out.writeInt(d.scale());
            out.writeLong(unscaled.longValue());
        } else {
            out.writeByte(DECIMAL_BIG);
            out.writeInt(d.scale());
            writeBytes(unscaled.toByteArray(), out);
        }
    }

    static BigDecimal readDecimal(DataInputView in) throws IOException {
        byte kind = in.readByte();
        int scale = in.readInt();
        if (kind == DECIMAL_LONG) {
            return BigDecimal.valueOf(in.readLong(), scale);
        }
        return new BigDecimal(new BigInteger(readBytes(in)), scale);
    }

    private static void writeBytes(byte[] b, DataOutputView out) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    @Override
    public TypeSerializerSnapshot<Tick> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1 of the format above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Tick> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
