package io.marketbars.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import static io.marketbars.sources.FieldRules.*;

import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Turns one Kafka record value into a {@link Tick}, or into a rejected tick that says why. It
 * never throws on bad input: bad input is data for the dead-letter topic, not a reason to fail the
 * job. Prices and quantities are parsed from their decimal text, so they stay exact.
 *
 * <p>Two front ends feed one set of rules ({@link #validate}). Jackson's streaming parser is the
 * reference and handles any input; in front of it sits a byte scanner for the shapes producers
 * actually send (one flat object of ASCII strings, numbers, booleans and nulls), because a
 * JsonParser per record was a third of the source thread's CPU. The scanner gives up on anything
 * it is not sure about, and Jackson then parses the record from scratch, so both give the same
 * result for every input (TickParserEquivalenceTest checks that). Not thread-safe: one parser per
 * deserializer, as Flink does.
 */
public final class TickParser implements Serializable {
    private static final long serialVersionUID = 1L;


    private final long maxFutureSkewMicros;
    private transient JsonFactory json;
    /** Scratch for the raw field values; a parser is only ever used by one thread. */
    private transient Fields fields;
    /** Records the fast path finished (valid or rejected); tests use it to see that it is live. */
    transient long fastPathRecords;

    public TickParser(long maxFutureSkewMillis) {
        this.maxFutureSkewMicros = maxFutureSkewMillis * 1000L;
    }

    /** Parses {@code value} into {@code out} (all fields overwritten); {@code nowMillis} is the wall clock. */
    public Tick parse(byte[] value, long nowMillis, Tick out) {
        if (value == null || value.length == 0) {
            return reject(out, RejectReason.MALFORMED_JSON, "empty record value");
        }
        Tick fast = parseFast(value, nowMillis, out, fields());
        return fast != null ? fast : parseJackson(value, nowMillis, out, fields());
    }

    /** The reference: what {@link #parse} returns, computed by Jackson alone. */
    Tick parseWithJacksonOnly(byte[] value, long nowMillis, Tick out) {
        if (value == null || value.length == 0) {
            return reject(out, RejectReason.MALFORMED_JSON, "empty record value");
        }
        return parseJackson(value, nowMillis, out, fields());
    }

    private Fields fields() {
        if (fields == null) {
            fields = new Fields();
        }
        return fields;
    }

    /** The raw values of one record, before the rules; null means absent (JSON null is absent too). */
    private static final class Fields {
        String symbol;
        String side;
        boolean hasTs;
        long ts;
        BigDecimal price;
        BigDecimal qty;
        BigDecimal bid;
        BigDecimal ask;
        Long seq;
        // The fast path's last number token: integer or not; when it has no exponent and at most 18
        // digits ("plain"), its digits as a long and its scale, so it needs no second pass.
        boolean numInteger;
        boolean numPlain;
        long numUnscaled;
        int numScale;

        Fields clear() {
            symbol = side = null;
            hasTs = false;
            price = qty = bid = ask = null;
            seq = null;
            return this;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Jackson: the reference front end.

    private Tick parseJackson(byte[] value, long nowMillis, Tick out, Fields f) {
        if (json == null) {
            json = new JsonFactory();
        }
        f.clear();
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
                        f.symbol = jsonText(p, v, field);
                        break;
                    case "ts":
                        f.ts = jsonTimestampMicros(p, v);
                        f.hasTs = true;
                        break;
                    case "price":
                        f.price = jsonDecimal(p, v, field);
                        break;
                    case "qty":
                        f.qty = jsonDecimal(p, v, field);
                        break;
                    case "seq":
                        f.seq = sequence(p, v);
                        break;
                    case "side":
                        f.side = jsonText(p, v, field);
                        break;
                    case "bid":
                        f.bid = jsonDecimal(p, v, field);
                        break;
                    case "ask":
                        f.ask = jsonDecimal(p, v, field);
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
        return validate(out, nowMillis, f);
    }


    private static Long sequence(JsonParser p, JsonToken v) throws IOException {
        try {
            if (v == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
            }
            if (v == JsonToken.VALUE_STRING) {
                // Unlike the other fields, a string Jackson cannot read is an INVALID_FIELD here.
                return Long.parseLong(p.getText().trim());
            }
        } catch (NumberFormatException | IOException e) {
            throw new FieldException("seq is not a 64-bit integer");
        }
        throw new FieldException("seq must be an integer");
    }


    // ---------------------------------------------------------------------------------------------
    // Per-field rules on values already taken out of the JSON: both front ends call these.


    private static Long sequenceText(String s) throws FieldException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new FieldException("seq is not a 64-bit integer");
        }
    }


    /** The record-level rules, once every field has been read. */
    private Tick validate(Tick out, long nowMillis, Fields f) {
        String symbol = f.symbol;
        String side = f.side;
        BigDecimal price = f.price;
        BigDecimal qty = f.qty;
        BigDecimal bid = f.bid;
        BigDecimal ask = f.ask;
        if (symbol == null || symbol.isBlank()) {
            return reject(out, RejectReason.MISSING_FIELD, "symbol");
        }
        String badSymbol = symbolProblem(symbol);
        if (badSymbol != null) {
            return reject(out, RejectReason.INVALID_FIELD, badSymbol);
        }
        if (!f.hasTs) {
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
        long ts = f.ts;
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
        out.seq = f.seq;
        out.side = sideCode;
        out.bid = bid;
        out.ask = ask;
        out.rejectReason = null;
        out.rejectDetail = null;
        out.raw = null;
        return out;
    }


    private static Tick reject(Tick out, RejectReason reason, String detail) {
        out.rejectReason = reason.name();
        out.rejectDetail = detail;
        return out;
    }


    // ---------------------------------------------------------------------------------------------
    // The fast front end. It accepts a strict subset of what Jackson accepts, so that wherever it
    // answers, Jackson would have read the same tokens. The subset: JSON whitespace, one flat
    // object, keys of printable ASCII without escapes, values that are such strings, numbers of
    // the strict JSON grammar, true, false or null, and nothing after the object but whitespace.
    // Everything else (escapes, non-ASCII, nesting, bad numbers, odd bytes that could make Jackson
    // guess UTF-16, over-long tokens that trip Jackson's read constraints) returns null: use Jackson.

    /** Longer records go to Jackson: it keeps Jackson's name/number length limits out of reach. */
    private static final int FAST_MAX_RECORD = 16 * 1024;
    /** Well under Jackson's 1000-digit number limit; real prices are far shorter. */
    private static final int FAST_MAX_NUMBER = 100;

    private static final int F_OTHER = 0, F_SYMBOL = 1, F_TS = 2, F_PRICE = 3, F_QTY = 4, F_SEQ = 5,
            F_SIDE = 6, F_BID = 7, F_ASK = 8;
    private static final int V_STRING = 0, V_INT = 1, V_FLOAT = 2, V_NULL = 3, V_BOOLEAN = 4;

    private Tick parseFast(byte[] b, long nowMillis, Tick out, Fields f) {
        try {
            return scan(b, nowMillis, out, f.clear());
        } catch (FieldException e) {
            // The scanner has accepted every byte up to here, so Jackson would stop at the same field.
            fastPathRecords++;
            return reject(out, RejectReason.INVALID_FIELD, e.getMessage());
        } catch (RuntimeException e) {
            return null; // whatever it is, Jackson decides
        }
    }

    private Tick scan(byte[] b, long nowMillis, Tick out, Fields f) throws FieldException {
        final int n = b.length;
        if (n > FAST_MAX_RECORD) {
            return null;
        }
        int i = skipWs(b, 0);
        if (i >= n || b[i] != '{') {
            return null;
        }
        i = skipWs(b, i + 1);
        if (i < n && b[i] == '}') {
            i++;
        } else {
            while (true) {
                if (i >= n || b[i] != '"') {
                    return null;
                }
                int keyStart = ++i;
                i = endOfString(b, i);
                if (i < 0) {
                    return null;
                }
                int field = fieldId(b, keyStart, i - keyStart);
                i = skipWs(b, i + 1);
                if (i >= n || b[i] != ':') {
                    return null;
                }
                i = skipWs(b, i + 1);
                if (i >= n) {
                    return null;
                }
                // One value token [start, end) of kind type.
                int start = i;
                int end;
                int type;
                int c = b[i];
                if (c == '"') {
                    start = i + 1;
                    end = endOfString(b, start);
                    if (end < 0) {
                        return null;
                    }
                    i = end + 1;
                    type = V_STRING;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                    end = number(b, i, f);
                    if (end < 0) {
                        return null;
                    }
                    type = f.numInteger ? V_INT : V_FLOAT;
                    i = end;
                } else if (c == 'n' && literal(b, i, NULL)) {
                    end = i += 4;
                    type = V_NULL;
                } else if (c == 't' && literal(b, i, TRUE)) {
                    end = i += 4;
                    type = V_BOOLEAN;
                } else if (c == 'f' && literal(b, i, FALSE)) {
                    end = i += 5;
                    type = V_BOOLEAN;
                } else {
                    return null;
                }
                // The byte after the value must close it in a way Jackson accepts, before the value
                // is used: then no field error can hide a syntax error that Jackson reports first.
                i = skipWs(b, i);
                if (i >= n) {
                    return null;
                }
                int sep = b[i++];
                if (sep != ',' && sep != '}') {
                    return null;
                }
                if (type != V_NULL && field != F_OTHER) {
                    if (!readField(b, field, type, start, end, f)) {
                        return null;
                    }
                }
                if (sep == '}') {
                    break;
                }
                i = skipWs(b, i);
            }
        }
        if (skipWs(b, i) != n) {
            return null;
        }
        fastPathRecords++;
        return validate(out, nowMillis, f);
    }

    /** Stores one known field's value as Jackson's front end would; false: let Jackson do it. */
    private static boolean readField(byte[] b, int field, int type, int start, int end, Fields f)
            throws FieldException {
        switch (field) {
            case F_SYMBOL:
                f.symbol = text(b, type, start, end, "symbol");
                return true;
            case F_SIDE:
                f.side = side(b, type, start, end);
                return true;
            case F_TS:
                f.ts = timestampMicros(b, type, start, end, f);
                f.hasTs = true;
                return true;
            case F_SEQ:
                if (type == V_INT) {
                    long v = f.numPlain ? f.numUnscaled : longValue(b, start, end);
                    if (v == Long.MIN_VALUE && !isLongMin(b, start, end)) {
                        throw new FieldException("seq is not a 64-bit integer");
                    }
                    f.seq = v;
                } else if (type == V_STRING) {
                    long v = plainInteger(b, start, end);
                    f.seq = v != Long.MIN_VALUE ? Long.valueOf(v) : sequenceText(ascii(b, start, end));
                } else {
                    throw new FieldException("seq must be an integer");
                }
                return true;
            default:
                BigDecimal d = decimal(b, type, start, end, f, FIELD_NAMES[field]);
                if (d == null) {
                    return false;
                }
                switch (field) {
                    case F_PRICE:
                        f.price = d;
                        break;
                    case F_QTY:
                        f.qty = d;
                        break;
                    case F_BID:
                        f.bid = d;
                        break;
                    default:
                        f.ask = d;
                }
                return true;
        }
    }

    private static String text(byte[] b, int type, int start, int end, String field) throws FieldException {
        if (type != V_STRING) {
            throw new FieldException(field + " must be a string");
        }
        return ascii(b, start, end);
    }

    /** The usual sides as constants: the rules only look at the text, so no String per record. */
    private static String side(byte[] b, int type, int start, int end) throws FieldException {
        if (type == V_STRING) {
            int len = end - start;
            if (len == 1 && b[start] == 'B') {
                return "B";
            }
            if (len == 1 && b[start] == 'S') {
                return "S";
            }
            if (len == 0) {
                return "";
            }
        }
        return text(b, type, start, end, "side");
    }

    /** Null: the number text is one BigDecimal cannot represent, so let Jackson report it. */
    private static BigDecimal decimal(byte[] b, int type, int start, int end, Fields f, String field)
            throws FieldException {
        if (type == V_INT || type == V_FLOAT) {
            if (f.numPlain) {
                // valueOf(digits, scale) is what new BigDecimal(text) makes of plain text.
                return bounded(BigDecimal.valueOf(f.numUnscaled, f.numScale), field);
            }
            try {
                // Jackson's getDecimalValue also parses the token's text with BigDecimal.
                return bounded(new BigDecimal(ascii(b, start, end)), field);
            } catch (NumberFormatException e) {
                return null; // an exponent beyond int: Jackson's own error message, not ours
            }
        }
        if (type == V_STRING) {
            BigDecimal d = plainDecimal(b, start, end);
            return d != null ? bounded(d, field) : decimalText(ascii(b, start, end), field);
        }
        throw new FieldException(field + " must be a number or a decimal string");
    }

    private static long timestampMicros(byte[] b, int type, int start, int end, Fields f) throws FieldException {
        if (type == V_INT) {
            long millis = f.numPlain ? f.numUnscaled : longValue(b, start, end);
            if (millis == Long.MIN_VALUE && !isLongMin(b, start, end)) {
                throw new FieldException("ts out of range"); // Jackson cannot make it a long
            }
            return millisToMicros(millis);
        }
        if (type == V_STRING) {
            long micros = isoMicros(b, start, end);
            return micros != Long.MIN_VALUE ? micros : isoText(ascii(b, start, end));
        }
        throw new FieldException("ts must be an ISO-8601 string or epoch milliseconds");
    }

    // --- Lexing.

    private static int skipWs(byte[] b, int i) {
        while (i < b.length) {
            int c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    /** Index of the closing quote, or -1 for an escape, a control byte, a non-ASCII byte or no end. */
    private static int endOfString(byte[] b, int i) {
        for (; i < b.length; i++) {
            int c = b[i]; // signed: bytes >= 0x80 are negative
            if (c == '"') {
                return i;
            }
            if (c < 0x20 || c == '\\') {
                return -1;
            }
        }
        return -1;
    }

    /**
     * End of a number of the strict grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or -1;
     * what it is goes to f's num* fields.
     */
    private static int number(byte[] b, int i, Fields f) {
        int start = i;
        int n = b.length;
        boolean negative = b[i] == '-';
        if (negative) {
            i++;
        }
        if (i >= n || !digit(b[i])) {
            return -1;
        }
        long v = 0;
        int digits = 0;
        if (b[i] != '0') {
            while (i < n && digit(b[i])) {
                v = v * 10 + (b[i++] - '0'); // wraps past 18 digits; then numPlain is false
                digits++;
            }
        } else if (++i < n && digit(b[i])) {
            return -1; // leading zero
        } else {
            digits = 1;
        }
        int scale = 0;
        if (i < n && b[i] == '.') {
            if (++i >= n || !digit(b[i])) {
                return -1;
            }
            while (i < n && digit(b[i])) {
                v = v * 10 + (b[i++] - '0');
                scale++;
            }
        }
        boolean exponent = i < n && (b[i] == 'e' || b[i] == 'E');
        if (exponent) {
            if (++i < n && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            if (i >= n || !digit(b[i])) {
                return -1;
            }
            while (i < n && digit(b[i])) {
                i++;
            }
        }
        if (i - start > FAST_MAX_NUMBER) {
            return -1;
        }
        f.numInteger = scale == 0 && !exponent;
        f.numPlain = !exponent && digits + scale <= 18;
        f.numUnscaled = negative ? -v : v;
        f.numScale = scale;
        return i;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    private static boolean literal(byte[] b, int i, byte[] word) {
        if (b.length - i < word.length) {
            return false;
        }
        for (int k = 1; k < word.length; k++) {
            if (b[i + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    private static final String[] FIELD_NAMES = {null, "symbol", "ts", "price", "qty", "seq", "side", "bid", "ask"};
    private static final byte[][] FIELD_BYTES = new byte[FIELD_NAMES.length][];

    static {
        for (int k = 1; k < FIELD_NAMES.length; k++) {
            FIELD_BYTES[k] = ascii(FIELD_NAMES[k]);
        }
    }

    /** Which known field a key is, by its bytes: no String per key. */
    private static int fieldId(byte[] b, int start, int len) {
        int candidate;
        switch (len) {
            case 2:
                candidate = F_TS;
                break;
            case 3:
                switch (b[start]) {
                    case 'q':
                        candidate = F_QTY;
                        break;
                    case 's':
                        candidate = F_SEQ;
                        break;
                    case 'b':
                        candidate = F_BID;
                        break;
                    case 'a':
                        candidate = F_ASK;
                        break;
                    default:
                        return F_OTHER;
                }
                break;
            case 4:
                candidate = F_SIDE;
                break;
            case 5:
                candidate = F_PRICE;
                break;
            case 6:
                candidate = F_SYMBOL;
                break;
            default:
                return F_OTHER;
        }
        byte[] name = FIELD_BYTES[candidate];
        for (int k = 0; k < len; k++) {
            if (b[start + k] != name[k]) {
                return F_OTHER;
            }
        }
        return candidate;
    }

    // --- Values.

    /** Bytes the scanner has checked to be ASCII: ISO-8859-1 decoding is a plain copy. */
    private static String ascii(byte[] b, int start, int end) {
        return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A long integer token of the strict grammar as a long; Long.MIN_VALUE when it does not fit (or
     * is exactly Long.MIN_VALUE: callers tell the two apart with {@link #isLongMin}).
     */
    private static long longValue(byte[] b, int start, int end) {
        try {
            return Long.parseLong(ascii(b, start, end));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));

    private static boolean isLongMin(byte[] b, int start, int end) {
        if (end - start != LONG_MIN.length) {
            return false;
        }
        for (int k = 0; k < LONG_MIN.length; k++) {
            if (b[start + k] != LONG_MIN[k]) {
                return false;
            }
        }
        return true;
    }

    /** -?[0-9]{1,18} exactly (what Long.parseLong reads the same way), else Long.MIN_VALUE. */
    private static long plainInteger(byte[] b, int start, int end) {
        int i = start < end && b[start] == '-' ? start + 1 : start;
        if (i == end || end - i > 18) {
            return Long.MIN_VALUE;
        }
        long v = 0;
        for (int k = i; k < end; k++) {
            if (!digit(b[k])) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + (b[k] - '0');
        }
        return i > start ? -v : v;
    }

    /**
     * -?[0-9]+(\.[0-9]+)? with at most 18 digits, as the BigDecimal that {@code new BigDecimal(text)}
     * gives (same unscaled value, same scale), without parsing text; null for any other shape.
     */
    private static BigDecimal plainDecimal(byte[] b, int start, int end) {
        int i = start < end && b[start] == '-' ? start + 1 : start;
        long unscaled = 0;
        int digits = 0;
        int scale = 0;
        boolean point = false;
        for (; i < end; i++) {
            byte c = b[i];
            if (digit(c)) {
                unscaled = unscaled * 10 + (c - '0');
                digits++;
                if (point) {
                    scale++;
                }
            } else if (c == '.' && !point && digits > 0 && i + 1 < end) {
                point = true;
            } else {
                return null;
            }
        }
        if (digits == 0 || digits > 18) {
            return null;
        }
        return BigDecimal.valueOf(b[start] == '-' ? -unscaled : unscaled, scale);
    }

    /**
     * uuuu-MM-ddTHH:mm:ss[.f{1,9}](Z|+HH:MM|-HH:MM) with every part in range: the micros that
     * OffsetDateTime.parse gives. Long.MIN_VALUE for any other text, including texts that
     * OffsetDateTime accepts (lower-case t/z, no seconds, odd offsets): those take the slow road.
     */
    private static long isoMicros(byte[] b, int start, int end) {
        int len = end - start;
        if (len < 20 || len > 35) {
            return Long.MIN_VALUE;
        }
        int s = start;
        if (b[s + 4] != '-' || b[s + 7] != '-' || b[s + 10] != 'T' || b[s + 13] != ':' || b[s + 16] != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(b, s, 4);
        int month = digits(b, s + 5, 2);
        int day = digits(b, s + 8, 2);
        int hour = digits(b, s + 11, 2);
        int minute = digits(b, s + 14, 2);
        int second = digits(b, s + 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        int i = s + 19;
        long nanos = 0;
        if (b[i] == '.') {
            int f = ++i;
            while (i < end && digit(b[i])) {
                nanos = nanos * 10 + (b[i++] - '0');
            }
            int fractionDigits = i - f;
            if (fractionDigits < 1 || fractionDigits > 9) {
                return Long.MIN_VALUE;
            }
            for (int k = fractionDigits; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (end - i == 1 && b[i] == 'Z') {
            offsetSeconds = 0;
        } else if (end - i == 6 && (b[i] == '+' || b[i] == '-') && b[i + 3] == ':') {
            int oh = digits(b, i + 1, 2);
            int om = digits(b, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == '-' ? -1 : 1);
        } else {
            return Long.MIN_VALUE;
        }
        long epochSecond = epochDay(year, month, day) * 86_400L + hour * 3600 + minute * 60 + second - offsetSeconds;
        return epochSecond * 1_000_000L + nanos / 1000;
    }

    /** A fixed number of ASCII digits as an int, or -1. */
    private static int digits(byte[] b, int i, int count) {
        int v = 0;
        for (int k = i; k < i + count; k++) {
            if (!digit(b[k])) {
                return -1;
            }
            v = v * 10 + (b[k] - '0');
        }
        return v;
    }

    private static boolean leap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    private static int monthLength(int year, int month) {
        switch (month) {
            case 2:
                return leap(year) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** LocalDate.toEpochDay for a year in 0..9999, without the LocalDate. */
    private static long epochDay(int year, int month, int day) {
        long y = year;
        long total = 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
        total += (367 * month - 362) / 12 + day - 1;
        if (month > 2) {
            total -= leap(year) ? 1 : 2;
        }
        return total - 719_528; // days from 0000-01-01 to 1970-01-01
    }
}
