package io.marketbars.tools;

import io.marketbars.tools.CsvImport.CsvFormatException;
import io.marketbars.tools.CsvImport.Settings;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the fields of one data row into a {@link TickRow}, encoded as the job will read it, or says why it
 * cannot: the CSV's own forms (columns, timestamps, side words, a missing seq) here, the rules on the values in
 * {@link JobRules}.
 */
final class RowParser {
    /** The columns the importer understands; each may be given under any of its names. */
    private enum Column {
        TS("ts", "timestamp", "time"),
        PRICE("price"),
        QTY("qty", "amount", "volume"),
        SIDE("side"),
        SEQ("seq"),
        SYMBOL("symbol"),
        BID("bid"),
        ASK("ask");

        final List<String> names;

        Column(String... names) {
            this.names = List.of(names);
        }

        static Column byName(String header) {
            for (Column c : values()) {
                if (c.names.contains(header)) {
                    return c;
                }
            }
            return null;
        }
    }

    private final int width;
    private final int ts;
    private final int price;
    private final int qty;
    private final int side;
    private final int seq;
    private final int symbol;
    private final int bid;
    private final int ask;
    private final String defaultSymbol;
    private final ZoneId zone;
    private final TickEncoder encoder = new TickEncoder();
    private final JobRules rules = new JobRules();
    final List<String> ignoredColumns = new ArrayList<>();

    RowParser(List<String> header, Settings settings) {
        Map<Column, Integer> at = new EnumMap<>(Column.class);
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i).trim().toLowerCase(Locale.ROOT);
            Column c = Column.byName(name);
            if (c == null) {
                ignoredColumns.add(header.get(i));
                continue;
            }
            Integer before = at.putIfAbsent(c, i);
            if (before != null) {
                throw new CsvFormatException("header: columns '" + header.get(before) + "' and '" + header.get(i)
                        + "' both give the " + c.names.get(0));
            }
        }
        List<String> missing = new ArrayList<>();
        for (Column required : List.of(Column.TS, Column.PRICE, Column.QTY)) {
            if (!at.containsKey(required)) {
                missing.add(String.join("|", required.names));
            }
        }
        if (!missing.isEmpty()) {
            throw new CsvFormatException("header " + header + " lacks column(s) " + missing);
        }
        if (!at.containsKey(Column.SYMBOL) && settings.defaultSymbol() == null) {
            throw new CsvFormatException("the CSV has no symbol column: give --symbol");
        }
        width = header.size();
        ts = at.get(Column.TS);
        price = at.get(Column.PRICE);
        qty = at.get(Column.QTY);
        side = at.getOrDefault(Column.SIDE, -1);
        seq = at.getOrDefault(Column.SEQ, -1);
        symbol = at.getOrDefault(Column.SYMBOL, -1);
        bid = at.getOrDefault(Column.BID, -1);
        ask = at.getOrDefault(Column.ASK, -1);
        defaultSymbol = settings.defaultSymbol();
        zone = settings.timeZone();
    }

    /** Fills {@code out} and returns null, or returns why the row is rejected. */
    String parse(List<String> f, long dataRow, TickRow out) {
        if (f.size() != width) {
            return "expected " + width + " fields as in the header, found " + f.size();
        }
        String sym = symbol < 0 ? "" : f.get(symbol).trim();
        if (sym.isEmpty()) {
            if (defaultSymbol == null) {
                return "symbol is empty";
            }
            sym = defaultSymbol;
        }
        out.symbol = sym;
        try {
            out.ts = CsvTimestamps.parse(f.get(ts).trim(), zone);
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
            return "ts '" + abbreviate(f.get(ts)) + "': " + e.getMessage();
        }
        try {
            out.price = decimal(f.get(price), "price");
            out.qty = decimal(f.get(qty), "qty");
            out.bid = bid < 0 || f.get(bid).isBlank() ? null : decimal(f.get(bid), "bid");
            out.ask = ask < 0 || f.get(ask).isBlank() ? null : decimal(f.get(ask), "ask");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (side < 0) {
            out.side = null;
        } else {
            String s = f.get(side).trim();
            if (s.isEmpty()) {
                out.side = null;
            } else if (s.equalsIgnoreCase("B") || s.equalsIgnoreCase("BUY")) {
                out.side = "B";
            } else if (s.equalsIgnoreCase("S") || s.equalsIgnoreCase("SELL")) {
                out.side = "S";
            } else {
                return "side '" + abbreviate(s) + "' is none of B, S, BUY, SELL";
            }
        }
        String sq = seq < 0 ? "" : f.get(seq).trim();
        if (sq.isEmpty()) {
            out.seq = dataRow;
        } else {
            try {
                out.seq = Long.parseLong(sq);
            } catch (NumberFormatException e) {
                return "seq '" + abbreviate(sq) + "' is not a 64-bit integer";
            }
        }
        // Checked in BigDecimal.toString's form, short even for 1e999999999, whose plain form the
        // job's range rule is there to refuse; sent in plain form, which the rule has bounded.
        byte[] value = encoder.encode(out, false);
        String problem = rules.problem(value, f.get(ts), out.ts);
        if (problem != null) {
            return problem;
        }
        out.value = TickEncoder.plainAlready(out) ? value : encoder.encode(out, true);
        return null;
    }

    /** The cell as a decimal, or why it is none; whether it is in range is the job's rule. */
    private static BigDecimal decimal(String text, String name) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + abbreviate(s) + "' is not a decimal");
        }
    }

    private static String abbreviate(String s) {
        return JobRules.abbreviate(s);
    }
}
