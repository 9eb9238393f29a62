package io.marketbars.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TickParserTest {
    private static final long NOW = Instant.parse("2026-11-21T00:00:00Z").toEpochMilli();
    private final TickParser parser = new TickParser(600_000L);

    private Tick parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), NOW, new Tick());
    }

    @Test
    void isoTimestampWithOffsetAndDecimalStringsStayExact() {
        Tick t = parse("{\"symbol\":\"FPT\",\"ts\":\"2024-12-02T09:15:00.123456+07:00\",\"price\":\"123.450\","
                + "\"qty\":\"100\",\"seq\":7,\"side\":\"B\",\"bid\":\"123.4\",\"ask\":\"123.5\"}");
        assertThat(t.isRejected()).isFalse();
        assertThat(t.symbol).isEqualTo("FPT");
        assertThat(t.tsMicros)
                .isEqualTo(Instant.parse("2024-12-02T02:15:00.123456Z").toEpochMilli() * 1000L + 456);
        assertThat(t.price).isEqualTo(new BigDecimal("123.450")); // scale kept
        assertThat(t.qty).isEqualTo(new BigDecimal("100"));
        assertThat(t.seq).isEqualTo(7L);
        assertThat(t.side).isEqualTo(Tick.SIDE_BUY);
        assertThat(t.bid).isEqualTo(new BigDecimal("123.4"));
        assertThat(t.ask).isEqualTo(new BigDecimal("123.5"));
    }

    @Test
    void epochMillisAndJsonNumbersAreExact() {
        Tick t = parse("{\"symbol\":\"BTCUSDT\",\"ts\":1733105700123,\"price\":0.1,\"qty\":0.30000000000000004}");
        assertThat(t.isRejected()).isFalse();
        assertThat(t.tsMicros).isEqualTo(1733105700123000L);
        assertThat(t.price.toPlainString()).isEqualTo("0.1");
        assertThat(t.qty.toPlainString()).isEqualTo("0.30000000000000004");
        assertThat(t.seq).isNull();
        assertThat(t.side).isEqualTo(Tick.SIDE_UNKNOWN);
    }

    @Test
    void zeroQuantityIsAllowed() {
        assertThat(parse("{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":0}")
                        .isRejected())
                .isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1 | MALFORMED_JSON",
                "not json | MALFORMED_JSON",
                "[1,2] | MALFORMED_JSON",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1} trailing | MALFORMED_JSON",
                "{\"ts\":1733105700123,\"price\":1,\"qty\":1} | MISSING_FIELD",
                "{\"symbol\":\"A\",\"price\":1,\"qty\":1} | MISSING_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"qty\":1} | MISSING_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1} | MISSING_FIELD",
                "{\"symbol\":\"  \",\"ts\":1733105700123,\"price\":1,\"qty\":1} | MISSING_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":0,\"qty\":1} | NON_POSITIVE_PRICE",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":\"-1.5\",\"qty\":1} | NON_POSITIVE_PRICE",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":\"NaN\",\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":\"Infinity\",\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":NaN,\"qty\":1} | MALFORMED_JSON",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1e999999,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":-1} | NEGATIVE_QUANTITY",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1,\"side\":\"X\"} | UNKNOWN_SIDE",
                "{\"symbol\":\"A\",\"ts\":\"2024-12-02 09:15:00\",\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700.5,\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700,\"price\":1,\"qty\":1} | TIMESTAMP_OUT_OF_RANGE",
                "{\"symbol\":\"A\",\"ts\":\"2099-01-01T00:00:00Z\",\"price\":1,\"qty\":1} | TIMESTAMP_OUT_OF_RANGE",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1,\"seq\":\"x\"} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1,\"bid\":-1} | INVALID_FIELD",
                "{\"symbol\":7,\"ts\":1733105700123,\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\\u0000B\",\"ts\":1733105700123,\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\" FPT\",\"ts\":1733105700123,\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\\nB\",\"ts\":1733105700123,\"price\":1,\"qty\":1} | INVALID_FIELD",
                "{\"symbol\":\"A\",\"ts\":\"+999999999-12-31T23:59:59Z\",\"price\":1,\"qty\":1} | INVALID_FIELD",
            })
    void badInputIsRejectedWithAReasonNeverThrown(String json, RejectReason reason) {
        Tick t = parse(json);
        assertThat(t.rejectReason).isEqualTo(reason.name());
        assertThat(t.rejectDetail).isNotBlank();
    }

    @Test
    void emptyValueIsMalformed() {
        assertThat(parser.parse(new byte[0], NOW, new Tick()).rejectReason).isEqualTo("MALFORMED_JSON");
        assertThat(parser.parse(null, NOW, new Tick()).rejectReason).isEqualTo("MALFORMED_JSON");
    }

    @Test
    void canonicalJsonParsesBackToTheSameTick() {
        Tick t = parse("{\"symbol\":\"VN30F2412\",\"ts\":\"2024-12-02T09:15:00.000123+07:00\",\"price\":\"1300.50\","
                + "\"qty\":\"3\",\"seq\":11,\"side\":\"S\",\"ask\":\"1300.6\"}");
        Tick back = parse(new String(TickJson.write(t), StandardCharsets.UTF_8));
        assertThat(back).usingRecursiveComparison().isEqualTo(t);
    }
}
