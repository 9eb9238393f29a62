package io.marketbars.sources;

import static io.marketbars.sources.FieldRules.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;

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
    private transient RawTick fields;
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

    private RawTick fields() {
        if (fields == null) {
            fields = new RawTick();
        }
        return fields;
    }

    // ---------------------------------------------------------------------------------------------
    // Jackson: the reference front end.

    private Tick parseJackson(byte[] value, long nowMillis, Tick out, RawTick f) {
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
    // The fast front end: the scanner reads the fields, the same rules judge them.

    private Tick parseFast(byte[] b, long nowMillis, Tick out, RawTick f) {
        try {
            if (!TickScanner.scan(b, f)) {
                return null;
            }
            fastPathRecords++;
            return validate(out, nowMillis, f);
        } catch (FieldException e) {
            // The scanner has accepted every byte up to here, so Jackson would stop at the same field.
            fastPathRecords++;
            return reject(out, RejectReason.INVALID_FIELD, e.getMessage());
        } catch (RuntimeException e) {
            return null; // whatever it is, Jackson decides
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The record-level rules: both front ends end here.

    /** The record-level rules, once every field has been read. */
    private Tick validate(Tick out, long nowMillis, RawTick f) {
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
}
