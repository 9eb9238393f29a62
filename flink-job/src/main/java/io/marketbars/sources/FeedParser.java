package io.marketbars.sources;

import static io.marketbars.sources.FieldRules.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketbars.records.FeedRecord;
import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import io.marketbars.records.RejectReason;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses index values and foreign-flow snapshots with the same field rules as trades (see
 * {@link FieldRules}). These feeds carry a record per index or symbol every second or so, not
 * thousands per second, so Jackson's streaming parser alone is fast enough. Never throws on bad
 * input: a bad record comes back rejected, with the reason.
 */
public final class FeedParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long maxFutureSkewMicros;
    private transient JsonFactory json;

    public FeedParser(long maxFutureSkewMillis) {
        this.maxFutureSkewMicros = maxFutureSkewMillis * 1000L;
    }

    /** {@code {"symbol": "VN30", "ts": ..., "value": 1301.25}}. */
    public IndexValue parseIndex(byte[] value, long nowMillis, IndexValue out) {
        Map<String, Object> f = new HashMap<>();
        if (!read(value, out, f, "value")) {
            return out;
        }
        if (!common(out, f, nowMillis)) {
            return out;
        }
        BigDecimal v = (BigDecimal) f.get("value");
        if (v == null) {
            return reject(out, RejectReason.MISSING_FIELD, "value");
        }
        if (v.signum() <= 0) {
            return reject(out, RejectReason.NON_POSITIVE_PRICE, "index value " + v.toPlainString());
        }
        out.value = v;
        return out;
    }

    /**
     * {@code {"symbol": "FPT", "ts": ..., "buy_qty": ..., "sell_qty": ..., "buy_value": ...,
     * "sell_value": ...}}: cumulative for the trading day; values optional but paired.
     */
    public FlowSnapshot parseFlow(byte[] value, long nowMillis, FlowSnapshot out) {
        Map<String, Object> f = new HashMap<>();
        if (!read(value, out, f, "buy_qty", "sell_qty", "buy_value", "sell_value")) {
            return out;
        }
        if (!common(out, f, nowMillis)) {
            return out;
        }
        BigDecimal buy = (BigDecimal) f.get("buy_qty");
        BigDecimal sell = (BigDecimal) f.get("sell_qty");
        BigDecimal buyValue = (BigDecimal) f.get("buy_value");
        BigDecimal sellValue = (BigDecimal) f.get("sell_value");
        if (buy == null) {
            return reject(out, RejectReason.MISSING_FIELD, "buy_qty");
        }
        if (sell == null) {
            return reject(out, RejectReason.MISSING_FIELD, "sell_qty");
        }
        if (buy.signum() < 0 || sell.signum() < 0) {
            return reject(
                    out,
                    RejectReason.NEGATIVE_QUANTITY,
                    "buy_qty " + buy.toPlainString() + ", sell_qty " + sell.toPlainString());
        }
        if ((buyValue == null) != (sellValue == null)) {
            return reject(
                    out,
                    RejectReason.MISSING_FIELD,
                    buyValue == null ? "buy_value (sell_value is present)" : "sell_value (buy_value is present)");
        }
        if (buyValue != null && (buyValue.signum() < 0 || sellValue.signum() < 0)) {
            return reject(out, RejectReason.NEGATIVE_QUANTITY, "buy_value or sell_value is negative");
        }
        out.buyQty = buy;
        out.sellQty = sell;
        out.buyValue = buyValue;
        out.sellValue = sellValue;
        return out;
    }

    /** Reads symbol, ts and the named decimal fields; false (and {@code out} rejected) on bad JSON. */
    private boolean read(byte[] value, FeedRecord out, Map<String, Object> f, String... decimals) {
        out.rejectReason = null;
        out.rejectDetail = null;
        if (value == null || value.length == 0) {
            reject(out, RejectReason.MALFORMED_JSON, "empty record value");
            return false;
        }
        if (json == null) {
            json = new JsonFactory();
        }
        try (JsonParser p = json.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                reject(out, RejectReason.MALFORMED_JSON, "not a JSON object");
                return false;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_NULL) {
                    continue;
                }
                if ("symbol".equals(field)) {
                    f.put(field, jsonText(p, v, field));
                } else if ("ts".equals(field)) {
                    f.put(field, jsonTimestampMicros(p, v));
                } else if (contains(decimals, field)) {
                    f.put(field, jsonDecimal(p, v, field));
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                reject(out, RejectReason.MALFORMED_JSON, "trailing content after the JSON object");
                return false;
            }
        } catch (FieldException e) {
            reject(out, RejectReason.INVALID_FIELD, e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            reject(out, RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
            return false;
        }
        return true;
    }

    private boolean common(FeedRecord out, Map<String, Object> f, long nowMillis) {
        String symbol = (String) f.get("symbol");
        if (symbol == null || symbol.isBlank()) {
            reject(out, RejectReason.MISSING_FIELD, "symbol");
            return false;
        }
        String bad = symbolProblem(symbol);
        if (bad != null) {
            reject(out, RejectReason.INVALID_FIELD, bad);
            return false;
        }
        Long ts = (Long) f.get("ts");
        if (ts == null) {
            reject(out, RejectReason.MISSING_FIELD, "ts");
            return false;
        }
        if (ts < MIN_EVENT_TIME_MICROS) {
            reject(out, RejectReason.TIMESTAMP_OUT_OF_RANGE, "ts before 2000-01-01: " + ts + " us");
            return false;
        }
        if (ts > nowMillis * 1000L + maxFutureSkewMicros) {
            reject(out, RejectReason.TIMESTAMP_OUT_OF_RANGE, "ts beyond the wall clock plus max-future-skew");
            return false;
        }
        out.symbol = symbol;
        out.tsMicros = ts;
        return true;
    }

    private static boolean contains(String[] names, String field) {
        for (String n : names) {
            if (n.equals(field)) {
                return true;
            }
        }
        return false;
    }

    private static <T extends FeedRecord> T reject(T out, RejectReason reason, String detail) {
        out.rejectReason = reason.name();
        out.rejectDetail = detail;
        return out;
    }
}
