package io.marketbars.tools;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 4180 record reader that knows the line each record starts on, which a general CSV
 * library would not tell. Quoted fields may hold delimiters, doubled quotes and line breaks;
 * a malformed record is returned with {@link #error()} set, and reading goes on at the next
 * line, so one bad row costs one row.
 */
final class CsvReader {
    private final Reader in;
    private final char delimiter;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int limit;
    private boolean started;
    /** The line of the next character to read. */
    private long line = 1;

    private long recordLine;
    private final List<String> fields = new ArrayList<>();
    private final StringBuilder field = new StringBuilder(64);
    private String error;
    /** The decoder's replacement character was seen: the input had bytes that are not UTF-8. */
    private boolean notUtf8;

    CsvReader(Reader in, char delimiter) {
        this.in = in;
        this.delimiter = delimiter;
    }

    List<String> fields() {
        return fields;
    }

    /** The line number (1-based) where the current record starts. */
    long recordLine() {
        return recordLine;
    }

    /** Why the current record is malformed, or null. */
    String error() {
        return error;
    }

    /** Reads the next record that is not an empty or all-blank line; false at the end. */
    boolean nextNonBlank() throws IOException {
        while (next()) {
            if (error != null || fields.size() > 1 || !fields.get(0).isBlank()) {
                return true;
            }
        }
        return false;
    }

    boolean next() throws IOException {
        fields.clear();
        error = null;
        notUtf8 = false;
        int c = read();
        if (!started) {
            started = true;
            if (c == '\uFEFF') {
                c = read();
            }
        }
        if (c < 0) {
            return false;
        }
        recordLine = line;
        while (true) {
            field.setLength(0);
            if (c == '"') {
                while (true) {
                    c = read();
                    if (c < 0) {
                        error = "quoted field not closed before the end of the input";
                        fields.add(field.toString());
                        return true;
                    }
                    if (c == '"') {
                        c = read();
                        if (c != '"') {
                            break;
                        }
                    } else if (c == '\n') {
                        line++;
                    } else if (c == '\uFFFD') {
                        notUtf8 = true;
                    }
                    field.append((char) c);
                }
                while (c == ' ' || (c == '\t' && delimiter != '\t')) {
                    c = read();
                }
                if (c != delimiter && c != '\n' && c != '\r' && c >= 0) {
                    error = "unexpected '" + (char) c + "' after a closing quote";
                    fields.add(field.toString());
                    skipToEndOfLine(c);
                    return true;
                }
            } else {
                while (c != delimiter && c != '\n' && c != '\r' && c >= 0) {
                    if (c == '\uFFFD') {
                        notUtf8 = true;
                    }
                    field.append((char) c);
                    c = read();
                }
            }
            fields.add(field.toString());
            if (c != delimiter) {
                endOfLine(c);
                if (notUtf8) {
                    error = "bytes that are not UTF-8 (is the file in another encoding?)";
                }
                return true;
            }
            c = read();
        }
    }

    private void skipToEndOfLine(int c) throws IOException {
        while (c != '\n' && c != '\r' && c >= 0) {
            c = read();
        }
        endOfLine(c);
    }

    /** Consumes the line break {@code c} started: \n, \r\n or a lone \r. */
    private void endOfLine(int c) throws IOException {
        if (c < 0) {
            return;
        }
        line++;
        if (c == '\r') {
            if (pos == limit) {
                fill();
            }
            if (pos < limit && buf[pos] == '\n') {
                pos++;
            }
        }
    }

    private int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos++];
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        pos = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }
}
