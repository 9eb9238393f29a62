package io.marketbars.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Writes rows in the tick JSON contract through one long-lived generator: a generator per row,
 * and {@link Instant#toString()}'s formatter, were most of the per-row cost of a short import
 * on a cold JVM.
 */
final class TickEncoder {
    private static final JsonFactory JSON = new JsonFactory();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private final JsonGenerator g;
    private final StringBuilder time = new StringBuilder(32);

    TickEncoder() {
        try {
            g = JSON.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Each row is its own document: no separator between them.
        g.setRootValueSeparator(null);
    }

    /** The row as one JSON document; decimals in plain form, or as {@link BigDecimal#toString()}. */
    byte[] encode(TickRow row, boolean plain) {
        out.reset();
        try {
            g.writeStartObject();
            g.writeStringField("symbol", row.symbol);
            g.writeStringField("ts", utc(row.ts));
            g.writeStringField("price", text(row.price, plain));
            g.writeStringField("qty", text(row.qty, plain));
            g.writeNumberField("seq", row.seq);
            if (row.side != null) {
                g.writeStringField("side", row.side);
            }
            if (row.bid != null) {
                g.writeStringField("bid", text(row.bid, plain));
            }
            if (row.ask != null) {
                g.writeStringField("ask", text(row.ask, plain));
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String text(BigDecimal d, boolean plain) {
        return plain ? d.toPlainString() : d.toString();
    }

    /** Whether every decimal of the row reads the same in both forms (no exponent), the usual case. */
    static boolean plainAlready(TickRow row) {
        return plain(row.price)
                && plain(row.qty)
                && (row.bid == null || plain(row.bid))
                && (row.ask == null || plain(row.ask));
    }

    /** {@link BigDecimal#toString()} uses an exponent only for a negative scale or a small adjusted exponent. */
    private static boolean plain(BigDecimal d) {
        return d.scale() >= 0 && d.precision() - d.scale() - 1 >= -6;
    }

    /** Exactly {@link Instant#toString()} (fraction in groups of 3 digits) for years 1000-9999. */
    String utc(Instant t) {
        LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
        if (d.getYear() < 1000 || d.getYear() > 9999) {
            return t.toString();
        }
        StringBuilder b = time;
        b.setLength(0);
        b.append(d.getYear()).append('-');
        two(b, d.getMonthValue()).append('-');
        two(b, d.getDayOfMonth()).append('T');
        two(b, d.getHour()).append(':');
        two(b, d.getMinute()).append(':');
        two(b, d.getSecond());
        int nano = t.getNano();
        if (nano != 0) {
            int digits;
            int value;
            if (nano % 1_000_000 == 0) {
                digits = 3;
                value = nano / 1_000_000;
            } else if (nano % 1000 == 0) {
                digits = 6;
                value = nano / 1000;
            } else {
                digits = 9;
                value = nano;
            }
            b.append('.');
            String v = Integer.toString(value);
            for (int i = v.length(); i < digits; i++) {
                b.append('0');
            }
            b.append(v);
        }
        return b.append('Z').toString();
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }
}
