package io.marketbars.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.Tick;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Writes records in their topics' JSON formats, with exact decimals and microsecond time: what a
 * dead letter carries for a record that parsed but could not be used.
 */
public final class TickJson {
    private static final JsonFactory JSON = new JsonFactory();

    private TickJson() {}

    public static byte[] write(Tick t) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("symbol", t.symbol);
            g.writeStringField("ts", iso(t.tsMicros));
            g.writeStringField("price", t.price.toPlainString());
            g.writeStringField("qty", t.qty.toPlainString());
            if (t.seq != null) {
                g.writeNumberField("seq", t.seq);
            }
            if (t.side != Tick.SIDE_UNKNOWN) {
                g.writeStringField("side", t.side == Tick.SIDE_BUY ? "B" : "S");
            }
            if (t.bid != null) {
                g.writeStringField("bid", t.bid.toPlainString());
            }
            if (t.ask != null) {
                g.writeStringField("ask", t.ask.toPlainString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An index value or a foreign-flow snapshot, in the format of its topic. */
    public static byte[] write(FeedRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("symbol", r.symbol);
            g.writeStringField("ts", iso(r.tsMicros));
            if (r instanceof IndexValue) {
                g.writeStringField("value", ((IndexValue) r).value.toPlainString());
            } else if (r instanceof FlowSnapshot) {
                FlowSnapshot f = (FlowSnapshot) r;
                g.writeStringField("buy_qty", f.buyQty.toPlainString());
                g.writeStringField("sell_qty", f.sellQty.toPlainString());
                if (f.hasValues()) {
                    g.writeStringField("buy_value", f.buyValue.toPlainString());
                    g.writeStringField("sell_value", f.sellValue.toPlainString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static String iso(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
                .toString();
    }
}
