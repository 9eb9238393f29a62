package io.marketbars.sources;

import java.time.LocalDate;
import java.time.Month;
import java.time.Year;

/**
 * The ISO-8601 timestamps producers send, read straight from the record's bytes: no String, no
 * DateTimeFormatter, which a record-per-microsecond source thread notices. Anything it is not sure
 * about goes to {@code OffsetDateTime.parse} (FieldRules.isoText) instead, so the two agree on
 * every input (TickParserEquivalenceTest).
 */
final class IsoTimestamp {
    private IsoTimestamp() {}

    /**
     * uuuu-MM-ddTHH:mm:ss[.f{1,9}](Z|+HH:MM|-HH:MM) with every part in range: the micros that
     * OffsetDateTime.parse gives. Long.MIN_VALUE for any other text, including texts that
     * OffsetDateTime accepts (lower-case t/z, no seconds, odd offsets): those take the slow road.
     */
    static long micros(byte[] b, int start, int end) {
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
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || day > Month.of(month).length(Year.isLeap(year))
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
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
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        long epochSecond = epochDay * 86_400L + hour * 3600 + minute * 60 + second - offsetSeconds;
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

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }
}
