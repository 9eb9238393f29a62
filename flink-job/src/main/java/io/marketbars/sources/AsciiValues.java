package io.marketbars.sources;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Values read from bytes that {@link TickScanner} has checked to be ASCII: text, and the integer and
 * decimal shapes that need no general-purpose parser (the same results as {@code Long.parseLong}
 * and {@code new BigDecimal(text)}, without the String).
 */
final class AsciiValues {
    private AsciiValues() {}

    /** Bytes the scanner has checked to be ASCII: ISO-8859-1 decoding is a plain copy. */
    static String ascii(byte[] b, int start, int end) {
        return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A long integer token of the strict grammar as a long; Long.MIN_VALUE when it does not fit (or
     * is exactly Long.MIN_VALUE: callers tell the two apart with {@link #isLongMin}).
     */
    static long longValue(byte[] b, int start, int end) {
        try {
            return Long.parseLong(ascii(b, start, end));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));

    static boolean isLongMin(byte[] b, int start, int end) {
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
    static long plainInteger(byte[] b, int start, int end) {
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
    static BigDecimal plainDecimal(byte[] b, int start, int end) {
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

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }
}
