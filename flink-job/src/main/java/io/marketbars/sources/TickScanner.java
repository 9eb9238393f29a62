package io.marketbars.sources;

import static io.marketbars.sources.AsciiValues.ascii;
import static io.marketbars.sources.AsciiValues.isLongMin;
import static io.marketbars.sources.AsciiValues.longValue;
import static io.marketbars.sources.AsciiValues.plainDecimal;
import static io.marketbars.sources.AsciiValues.plainInteger;
import static io.marketbars.sources.FieldRules.FieldException;
import static io.marketbars.sources.FieldRules.bounded;
import static io.marketbars.sources.FieldRules.decimalText;
import static io.marketbars.sources.FieldRules.isoText;
import static io.marketbars.sources.FieldRules.millisToMicros;

import java.math.BigDecimal;

/**
 * The fast front end of {@link TickParser}: a byte-level scanner for the shapes producers actually
 * send, because a Jackson JsonParser per record was a third of the source thread's CPU.
 *
 * <p>It accepts a strict subset of what Jackson accepts, so that wherever it answers, Jackson would
 * have read the same tokens. The subset: JSON whitespace, one flat object, keys of printable ASCII
 * without escapes, values that are such strings, numbers of the strict JSON grammar, true, false or
 * null, and nothing after the object but whitespace. Everything else (escapes, non-ASCII, nesting,
 * bad numbers, odd bytes that could make Jackson guess UTF-16, over-long tokens that trip Jackson's
 * read constraints) makes it give up, and Jackson parses the record from scratch.
 */
final class TickScanner {
    /** Longer records go to Jackson: it keeps Jackson's name/number length limits out of reach. */
    private static final int FAST_MAX_RECORD = 16 * 1024;
    /** Well under Jackson's 1000-digit number limit; real prices are far shorter. */
    private static final int FAST_MAX_NUMBER = 100;

    private static final int F_OTHER = 0,
            F_SYMBOL = 1,
            F_TS = 2,
            F_PRICE = 3,
            F_QTY = 4,
            F_SEQ = 5,
            F_SIDE = 6,
            F_BID = 7,
            F_ASK = 8;
    private static final int V_STRING = 0, V_INT = 1, V_FLOAT = 2, V_NULL = 3, V_BOOLEAN = 4;

    private TickScanner() {}

    /**
     * Reads {@code b} into {@code f} (cleared first). False: not sure, let Jackson parse it. A
     * {@link FieldException} means the scanner accepted every byte up to a field whose value the
     * rules reject, so Jackson would stop at the same field.
     */
    static boolean scan(byte[] b, RawTick f) throws FieldException {
        f.clear();
        final int n = b.length;
        if (n > FAST_MAX_RECORD) {
            return false;
        }
        int i = skipWs(b, 0);
        if (i >= n || b[i] != '{') {
            return false;
        }
        i = skipWs(b, i + 1);
        if (i < n && b[i] == '}') {
            i++;
        } else {
            while (true) {
                if (i >= n || b[i] != '"') {
                    return false;
                }
                int keyStart = ++i;
                i = endOfString(b, i);
                if (i < 0) {
                    return false;
                }
                int field = fieldId(b, keyStart, i - keyStart);
                i = skipWs(b, i + 1);
                if (i >= n || b[i] != ':') {
                    return false;
                }
                i = skipWs(b, i + 1);
                if (i >= n) {
                    return false;
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
                        return false;
                    }
                    i = end + 1;
                    type = V_STRING;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                    end = number(b, i, f);
                    if (end < 0) {
                        return false;
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
                    return false;
                }
                // The byte after the value must close it in a way Jackson accepts, before the value
                // is used: then no field error can hide a syntax error that Jackson reports first.
                i = skipWs(b, i);
                if (i >= n) {
                    return false;
                }
                int sep = b[i++];
                if (sep != ',' && sep != '}') {
                    return false;
                }
                if (type != V_NULL && field != F_OTHER) {
                    if (!readField(b, field, type, start, end, f)) {
                        return false;
                    }
                }
                if (sep == '}') {
                    break;
                }
                i = skipWs(b, i);
            }
        }
        if (skipWs(b, i) != n) {
            return false;
        }
        return true;
    }

    private static Long sequenceText(String s) throws FieldException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new FieldException("seq is not a 64-bit integer");
        }
    }

    /** Stores one known field's value as Jackson's front end would; false: let Jackson do it. */
    private static boolean readField(byte[] b, int field, int type, int start, int end, RawTick f)
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
    private static BigDecimal decimal(byte[] b, int type, int start, int end, RawTick f, String field)
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

    private static long timestampMicros(byte[] b, int type, int start, int end, RawTick f) throws FieldException {
        if (type == V_INT) {
            long millis = f.numPlain ? f.numUnscaled : longValue(b, start, end);
            if (millis == Long.MIN_VALUE && !isLongMin(b, start, end)) {
                throw new FieldException("ts out of range"); // Jackson cannot make it a long
            }
            return millisToMicros(millis);
        }
        if (type == V_STRING) {
            long micros = IsoTimestamp.micros(b, start, end);
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
    private static int number(byte[] b, int i, RawTick f) {
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
}
