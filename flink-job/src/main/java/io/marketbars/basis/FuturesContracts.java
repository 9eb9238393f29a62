package io.marketbars.basis;

import java.io.Serializable;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which trade symbols are futures contracts, on which index, and what a rolling alias means on a
 * given day, plus the exchange time zone that defines a trading day.
 *
 * <ul>
 *   <li>{@code --futures "VN30F*=VN30,ES*=SPX"}: a contract matching a pattern (exact, or a prefix
 *       ending in {@code *}) trades against that index; the first matching pattern wins.
 *   <li>{@code --futures-aliases "VN30F1M=VN30F+1,VN30F2M=VN30F+2"}: an alias is the n-th listed
 *       monthly contract of a root: {@code VN30F1M} traded on 2024-12-05 is {@code VN30F2412}, on
 *       2024-12-20 (after that contract's expiry) it is {@code VN30F2501}. Codes are root + yyMM.
 *   <li>A monthly contract expires on the third Thursday of its month (the rule of HNX's VN30
 *       futures and of CME's equity index options); {@code --futures-expiries
 *       "VN30F2504=2025-04-16"} overrides single contracts (a holiday moves an expiry).
 * </ul>
 */
public final class FuturesContracts implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String[]> patterns = new ArrayList<>();
    private final Map<String, String> aliasRoot = new LinkedHashMap<>();
    private final Map<String, Integer> aliasMonth = new LinkedHashMap<>();
    private final Map<String, LocalDate> expiries = new LinkedHashMap<>();
    private final ZoneId zone;

    public FuturesContracts(String futures, String aliases, String expiryOverrides, ZoneId zone) {
        this.zone = zone;
        for (String[] kv : pairs(futures, "--futures")) {
            patterns.add(kv);
        }
        for (String[] kv : pairs(aliases, "--futures-aliases")) {
            int plus = kv[1].lastIndexOf('+');
            if (plus <= 0) {
                throw new IllegalArgumentException(
                        "--futures-aliases: expected ALIAS=ROOT+N, got " + kv[0] + "=" + kv[1]);
            }
            int n;
            try {
                n = Integer.parseInt(kv[1].substring(plus + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--futures-aliases: N must be a number in " + kv[1], e);
            }
            if (n < 1 || n > 24) {
                throw new IllegalArgumentException("--futures-aliases: N must be between 1 and 24 in " + kv[1]);
            }
            aliasRoot.put(kv[0], kv[1].substring(0, plus));
            aliasMonth.put(kv[0], n);
        }
        for (String[] kv : pairs(expiryOverrides, "--futures-expiries")) {
            try {
                expiries.put(kv[0], LocalDate.parse(kv[1]));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--futures-expiries: " + kv[1] + " is not a yyyy-MM-dd date", e);
            }
        }
    }

    private static List<String[]> pairs(String spec, String option) {
        List<String[]> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String item : spec.split(",")) {
            String[] kv = item.trim().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalArgumentException(option + ": expected KEY=VALUE, got '" + item.trim() + "'");
            }
            out.add(new String[] {kv[0].trim(), kv[1].trim()});
        }
        return out;
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    public ZoneId zone() {
        return zone;
    }

    /** The index a contract trades against, or null when the symbol is not a futures contract. */
    public String underlyingOf(String contract) {
        for (String[] p : patterns) {
            String pattern = p[0];
            boolean match = pattern.endsWith("*")
                    ? contract.startsWith(pattern.substring(0, pattern.length() - 1))
                    : contract.equals(pattern);
            if (match) {
                return p[1];
            }
        }
        return null;
    }

    /** The real contract code for an alias on the trading day of {@code tsMillis}; other symbols unchanged. */
    public String resolve(String symbol, long tsMillis) {
        String root = aliasRoot.get(symbol);
        if (root == null) {
            return symbol;
        }
        LocalDate day = Instant.ofEpochMilli(tsMillis).atZone(zone).toLocalDate();
        YearMonth front = YearMonth.from(day);
        if (day.isAfter(expiry(root, front))) {
            front = front.plusMonths(1);
        }
        return code(root, front.plusMonths(aliasMonth.get(symbol) - 1));
    }

    /** The last trading day of the monthly contract {@code root} + {@code month}. */
    public LocalDate expiry(String root, YearMonth month) {
        LocalDate override = expiries.get(code(root, month));
        return override != null
                ? override
                : month.atDay(1).with(TemporalAdjusters.dayOfWeekInMonth(3, DayOfWeek.THURSDAY));
    }

    private static String code(String root, YearMonth month) {
        return root + String.format("%02d%02d", month.getYear() % 100, month.getMonthValue());
    }

    /** The trading day (days since 1970-01-01 in the exchange time zone) of an instant. */
    public int tradingDay(long tsMillis) {
        return (int) Instant.ofEpochMilli(tsMillis).atZone(zone).toLocalDate().toEpochDay();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (String[] p : patterns) {
            b.append(b.length() == 0 ? "" : ",").append(p[0]).append('=').append(p[1]);
        }
        return "futures[" + b + "] aliases" + aliasRoot.keySet() + " zone " + zone;
    }
}
