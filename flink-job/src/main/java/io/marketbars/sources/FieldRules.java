package io.marketbars.sources;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * The per-field rules every feed parser applies (trades, index values, foreign-flow snapshots), so
 * a timestamp, a decimal or a symbol is valid or invalid in the same way on every topic.
 */
final class FieldRules {
    /** 2000-01-01T00:00:00Z: anything earlier is a unit or clock error, not a trade. */
    static final long MIN_EVENT_TIME_MICROS = 946_684_800_000_000L;

    private FieldRules() {}

    static String jsonText(JsonParser p, JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw new FieldException(field + " must be a string");
        }
        return p.getText();
    }

    static BigDecimal jsonDecimal(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            // Jackson builds the BigDecimal from the number's text, so 0.1 stays 0.1.
            return bounded(p.getDecimalValue(), field);
        }
        if (v == JsonToken.VALUE_STRING) {
            return decimalText(p.getText(), field);
        }
        throw new FieldException(field + " must be a number or a decimal string");
    }

    static long jsonTimestampMicros(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            long millis;
            try {
                millis = p.getLongValue();
            } catch (IOException e) {
                throw new FieldException("ts out of range");
            }
            return millisToMicros(millis);
        }
        if (v == JsonToken.VALUE_STRING) {
            return isoText(p.getText());
        }
        throw new FieldException("ts must be an ISO-8601 string or epoch milliseconds");
    }

    static BigDecimal decimalText(String text, String field) throws FieldException {
        String s = text.trim();
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

    /**
     * NUMERIC(38, 18) is plenty for any price or size; 1e999999999 would only exhaust memory. In
     * long arithmetic: with int, 0e2147483647 overflowed past the check and crashed toPlainString.
     */
    static BigDecimal bounded(BigDecimal d, String field) throws FieldException {
        if (d.scale() > 18 || (long) d.precision() - d.scale() > 20) {
            throw new FieldException(field + " is outside the supported range (20 integer, 18 fraction digits)");
        }
        return d;
    }

    static long millisToMicros(long millis) throws FieldException {
        if (Math.abs(millis) > 1L << 50) {
            throw new FieldException("ts out of range");
        }
        return millis * 1000L;
    }

    static long isoText(String s) throws FieldException {
        try {
            OffsetDateTime t = OffsetDateTime.parse(s);
            return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000L), t.get(ChronoField.MICRO_OF_SECOND));
        } catch (ArithmeticException e) {
            throw new FieldException("ts out of range");
        } catch (DateTimeParseException e) {
            throw new FieldException("ts is not ISO-8601 with an offset: " + abbreviate(s));
        }
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
            if (Character.isISOControl(c)
                    || Character.isSurrogate(c)
                            && !Character.isHighSurrogate(c)
                            && (i == 0 || !Character.isHighSurrogate(symbol.charAt(i - 1)))) {
                return "symbol contains a control character or broken UTF-16";
            }
        }
        return null;
    }

    static final int MAX_SYMBOL_LENGTH = 64;

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unparseable JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A field of the right name but the wrong shape; cheaper than a result object per field. */
    static final class FieldException extends IOException {
        FieldException(String message) {
            super(message, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
