package io.marketbars.tools;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The timestamps a trades CSV may hold: epoch numbers whose unit is told by their magnitude, and ISO-8601 with an
 * offset or local to a zone (see {@link CsvImport} for the accepted forms).
 */
final class CsvTimestamps {
    private CsvTimestamps() {}

    /**
     * Parses an epoch number (unit by magnitude, see the class comment) or an ISO-8601 date-time
     * (local ones in {@code zone}).
     *
     * @throws IllegalArgumentException or {@link DateTimeException} if it is neither
     */
    static Instant parse(String s, ZoneId zone) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        char first = s.charAt(0);
        if (first >= '0' && first <= '9' && (s.length() < 5 || s.charAt(4) != '-')) {
            return parseEpoch(s);
        }
        return parseIso(s, zone);
    }

    private static Instant parseEpoch(String s) {
        int dot = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.' && dot < 0 && i > 0 && i < s.length() - 1) {
                dot = i;
            } else if (c < '0' || c > '9') {
                throw new IllegalArgumentException("neither an epoch number nor ISO-8601");
            }
        }
        if (dot < 0 && s.length() <= 18) {
            // The common case, without BigDecimal.
            long v = Long.parseLong(s);
            if (v < 100_000_000_000L) {
                return Instant.ofEpochSecond(v);
            } else if (v < 100_000_000_000_000L) {
                return Instant.ofEpochMilli(v);
            } else if (v < 100_000_000_000_000_000L) {
                return Instant.ofEpochSecond(v / 1_000_000L, (v % 1_000_000L) * 1000L);
            }
            return Instant.ofEpochSecond(v / 1_000_000_000L, v % 1_000_000_000L);
        }
        BigDecimal v = new BigDecimal(s);
        int exponent; // the power of ten that turns the value into seconds
        if (v.compareTo(BigDecimal.valueOf(100_000_000_000L)) < 0) {
            exponent = 0;
        } else if (v.compareTo(BigDecimal.valueOf(100_000_000_000_000L)) < 0) {
            exponent = 3;
        } else if (v.compareTo(BigDecimal.valueOf(100_000_000_000_000_000L)) < 0) {
            exponent = 6;
        } else {
            exponent = 9;
        }
        BigDecimal seconds = v.movePointLeft(exponent);
        if (seconds.compareTo(BigDecimal.valueOf(Instant.MAX.getEpochSecond())) > 0) {
            throw new IllegalArgumentException("out of range");
        }
        BigDecimal whole = seconds.setScale(0, RoundingMode.DOWN);
        BigDecimal nanos;
        try {
            nanos = seconds.subtract(whole).movePointRight(9).setScale(0, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("finer than a nanosecond");
        }
        return Instant.ofEpochSecond(whole.longValueExact(), nanos.longValueExact());
    }

    /**
     * {@code yyyy-MM-dd(T| )HH:mm[:ss[.f{1,9}]][ ][Z|±HH[:MM]|±HHMM]}, by hand: DateTimeFormatter
     * with optional sections costs microseconds per row, which is most of the import's budget.
     */
    private static Instant parseIso(String s, ZoneId zone) {
        int n = s.length();
        if (n < 16
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(13) != ':'
                || "Tt ".indexOf(s.charAt(10)) < 0) {
            throw new IllegalArgumentException("neither an epoch number nor ISO-8601");
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = 0;
        int nano = 0;
        int i = 16;
        if (i < n && s.charAt(i) == ':') {
            second = digits(s, i + 1, i + 3);
            i += 3;
            if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
                int from = ++i;
                while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                    i++;
                }
                int count = i - from;
                if (count == 0 || count > 9) {
                    throw new IllegalArgumentException("1 to 9 fraction digits expected");
                }
                nano = digits(s, from, i);
                for (int k = count; k < 9; k++) {
                    nano *= 10;
                }
            }
        }
        LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nano);
        if (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i == n) {
            // DST gaps move forward and overlaps take the earlier offset, as ZonedDateTime does.
            return local.atZone(zone).toInstant();
        }
        char c = s.charAt(i);
        if ((c == 'Z' || c == 'z') && i + 1 == n) {
            return local.toInstant(ZoneOffset.UTC);
        }
        if (c != '+' && c != '-') {
            throw new IllegalArgumentException("unexpected '" + c + "' where an offset may stand");
        }
        int sign = c == '-' ? -1 : 1;
        int hours = digits(s, i + 1, i + 3);
        int minutes = 0;
        i += 3;
        if (i < n) {
            if (s.charAt(i) == ':') {
                i++;
            }
            minutes = digits(s, i, i + 2);
            i += 2;
        }
        if (i != n) {
            throw new IllegalArgumentException("unexpected text after the offset");
        }
        return local.toInstant(ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes));
    }

    private static int digits(String s, int from, int to) {
        if (to > s.length()) {
            throw new IllegalArgumentException("ends too early");
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("digit expected at position " + (i + 1));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
