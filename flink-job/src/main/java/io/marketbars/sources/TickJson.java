package io.marketbars.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.marketbars.records.Tick;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/** Writes a tick in the trades topic's JSON format, with exact decimals and microsecond time. */
public final class TickJson {
    private static final JsonFactory JSON = new JsonFactory();

    private TickJson() {}

    public static byte[] write(Tick t) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("symbol", t.symbol);
            g.writeStringField("ts", Instant.ofEpochSecond(
                    Math.floorDiv(t.tsMicros, 1_000_000L), Math.floorMod(t.tsMicros, 1_000_000L) * 1000L).toString());
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
}
