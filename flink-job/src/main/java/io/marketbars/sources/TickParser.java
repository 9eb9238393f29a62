package io.marketbars.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Turns one Kafka record value into a {@link Tick}, or into a rejected tick that says why. It
 * never throws on bad input: bad input is data for the dead-letter topic, not a reason to fail the
 * job. Prices and quantities are parsed from their decimal text, so they stay exact.
 */
public final class TickParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** 2000-01-01T00:00:00Z: anything earlier is a unit or clock error, not a trade. */
    static final long MIN_EVENT_TIME_MICROS = 946_684_800_000_000L;

    private final long maxFutureSkewMicros;
    private transient JsonFactory json;

    public TickParser(long maxFutureSkewMillis) {
        this.maxFutureSkewMicros = maxFutureSkewMillis * 1000L;
    }

    /** Parses {@code value} into {@code out} (all fields overwritten); {@code nowMillis} is the wall clock. */
    public Tick parse(byte[] value, long nowMillis, Tick out) {
        if (json == null) {
            json = new JsonFactory();
        }
        if (value == null || value.length == 0) {
            return reject(out, RejectReason.MALFORMED_JSON, "empty record value");
        }
        String symbol = null;
        String side = null;
        Long ts = null;
        BigDecimal price = null;
        BigDecimal qty = null;
        BigDecimal bid = null;
        BigDecimal ask = null;
        Long seq = null;
        try (JsonParser p = json.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return reject(out, RejectReason.MALFORMED_JSON, "not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "symbol":
                        symbol = text(p, v, field);
                        break;
                    case "ts":
                        ts = timestampMicros(p, v);
                        break;
                    case "price":
                        price = decimal(p, v, field);
                        break;
                    case "qty":
                        qty = decimal(p, v, field);
                        break;
                    case "seq":
                        seq = sequence(p, v);
                        break;
                    case "side":
                        side = text(p, v, field);
                        break;
                    case "bid":
                        bid = decimal(p, v, field);
                        break;
                    case "ask":
                        ask = decimal(p, v, field);
                        break;
                    default:
                        p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return reject(out, RejectReason.MALFORMED_JSON, "trailing content after the JSON object");
            }
        } catch (FieldException e) {
            return reject(out, RejectReason.INVALID_FIELD, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return reject(out, RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
        }

        if (symbol == null || symbol.isBlank()) {
            return reject(out, RejectReason.MISSING_FIELD, "symbol");
        }
        String badSymbol = symbolProblem(symbol);
        if (badSymbol != null) {
            return reject(out, RejectReason.INVALID_FIELD, badSymbol);
        }
        if (ts == null) {
            return reject(out, RejectReason.MISSING_FIELD, "ts");
        }
        if (price == null) {
            return reject(out, RejectReason.MISSING_FIELD, "price");
        }
        if (qty == null) {
            return reject(out, RejectReason.MISSING_FIELD, "qty");
        }
        if (price.signum() <= 0) {
            return reject(out, RejectReason.NON_POSITIVE_PRICE, "price " + price.toPlainString());
        }
        if (qty.signum() < 0) {
            return reject(out, RejectReason.NEGATIVE_QUANTITY, "qty " + qty.toPlainString());
        }
        if ((bid != null && bid.signum() <= 0) || (ask != null && ask.signum() <= 0)) {
            return reject(out, RejectReason.INVALID_FIELD, "bid/ask must be positive");
        }
        byte sideCode;
        if (side == null || side.isEmpty()) {
            sideCode = Tick.SIDE_UNKNOWN;
        } else if ("B".equalsIgnoreCase(side) || "BUY".equalsIgnoreCase(side)) {
            sideCode = Tick.SIDE_BUY;
        } else if ("S".equalsIgnoreCase(side) || "SELL".equalsIgnoreCase(side)) {
            sideCode = Tick.SIDE_SELL;
        } else {
            return reject(out, RejectReason.UNKNOWN_SIDE, "side " + abbreviate(side));
        }
        if (ts < MIN_EVENT_TIME_MICROS) {
            return reject(out, RejectReason.TIMESTAMP_OUT_OF_RANGE, "ts before 2000-01-01: " + ts + " us");
        }
        if (ts > nowMillis * 1000L + maxFutureSkewMicros) {
            return reject(out, RejectReason.TIMESTAMP_OUT_OF_RANGE, "ts beyond the wall clock plus max-future-skew");
        }
        out.symbol = symbol;
        out.tsMicros = ts;
        out.price = price;
        out.qty = qty;
        out.seq = seq;
        out.side = sideCode;
        out.bid = bid;
        out.ask = ask;
        out.rejectReason = null;
        out.rejectDetail = null;
        out.raw = null;
        return out;
    }

    /**
     * A symbol becomes a primary-key value in PostgreSQL and a Kafka key: control characters (NUL
     * is refused by PostgreSQL, and a refused row would fail the sink forever), surrounding
     * spaces and absurd lengths are data errors, not symbols.
     */
    static String symbolProblem(String symbol) {
        if (symbol.length() > MAX_SYMBOL_LENGTH) {
            return "symbol longer than " + MAX_SYMBOL_LENGTH + " characters";
        }
        if (!symbol.strip().equals(symbol)) {
            return "symbol has leading or trailing white space";
        }
        for (int i = 0; i < symbol.length(); i++) {
            char c = symbol.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !Character.isHighSurrogate(c)
                    && (i == 0 || !Character.isHighSurrogate(symbol.charAt(i - 1)))) {
                return "symbol contains a control character or broken UTF-16";
            }
        }
        return null;
    }

    static final int MAX_SYMBOL_LENGTH = 64;

    private static Tick reject(Tick out, RejectReason reason, String detail) {
        out.rejectReason = reason.name();
        out.rejectDetail = detail;
        return out;
    }

    private static String text(JsonParser p, JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw new FieldException(field + " must be a string");
        }
        return p.getText();
    }

    private static BigDecimal decimal(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            // Jackson builds the BigDecimal from the number's text, so 0.1 stays 0.1.
            return bounded(p.getDecimalValue(), field);
        }
        if (v == JsonToken.VALUE_STRING) {
            String s = p.getText().trim();
            if (s.isEmpty() || s.length() > 64) {
                throw new FieldException(field + " is not a decimal");
            }
            try {
                return bounded(new BigDecimal(s), field);
            } catch (NumberFormatException e) {
                // NaN, Infinity and garbage end here: none is a finite decimal.
                throw new FieldException(field + " is not a finite decimal: " + abbreviate(s));
            }
        }
        throw new FieldException(field + " must be a number or a decimal string");
    }

    /** NUMERIC(38, 18) is plenty for any price or size; 1e999999999 would only exhaust memory. */
    private static BigDecimal bounded(BigDecimal d, String field) throws FieldException {
        if (d.scale() > 18 || d.precision() - d.scale() > 20) {
            throw new FieldException(field + " is outside the supported range (20 integer, 18 fraction digits)");
        }
        return d;
    }

    private static Long sequence(JsonParser p, JsonToken v) throws IOException {
        try {
            if (v == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
            }
            if (v == JsonToken.VALUE_STRING) {
                return Long.parseLong(p.getText().trim());
            }
        } catch (NumberFormatException | IOException e) {
            throw new FieldException("seq is not a 64-bit integer");
        }
        throw new FieldException("seq must be an integer");
    }

    private static long timestampMicros(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            long millis;
            try {
                millis = p.getLongValue();
            } catch (IOException e) {
                throw new FieldException("ts out of range");
            }
            if (Math.abs(millis) > 1L << 50) {
                throw new FieldException("ts out of range");
            }
            return millis * 1000L;
        }
        if (v == JsonToken.VALUE_STRING) {
            String s = p.getText();
            try {
                OffsetDateTime t = OffsetDateTime.parse(s);
                return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000L), t.get(ChronoField.MICRO_OF_SECOND));
            } catch (ArithmeticException e) {
                throw new FieldException("ts out of range");
            } catch (DateTimeParseException e) {
                throw new FieldException("ts is not ISO-8601 with an offset: " + abbreviate(s));
            }
        }
        throw new FieldException("ts must be an ISO-8601 string or epoch milliseconds");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unparseable JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A field of the right name but the wrong shape; cheaper than a result object per field. */
    private static final class FieldException extends IOException {
        FieldException(String message) {
            super(message, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
