package io.marketbars.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.FlowSnapshot;
import io.marketbars.records.IndexValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FeedParserTest {
    private static final long NOW =
            java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private final FeedParser parser = new FeedParser(600_000);

    private IndexValue index(String json) {
        return parser.parseIndex(json.getBytes(StandardCharsets.UTF_8), NOW, new IndexValue());
    }

    private FlowSnapshot flow(String json) {
        return parser.parseFlow(json.getBytes(StandardCharsets.UTF_8), NOW, new FlowSnapshot());
    }

    @Test
    void anIndexValueKeepsItsDecimalTextAndMicroseconds() {
        IndexValue v = index("{\"symbol\":\"VN30\",\"ts\":\"2024-12-02T09:15:00.123456+07:00\",\"value\":1300.10}");
        assertThat(v.isRejected()).isFalse();
        assertThat(v.value.toPlainString()).isEqualTo("1300.10");
        assertThat(v.tsMicros)
                .isEqualTo(
                        java.time.Instant.parse("2024-12-02T02:15:00.123456Z").toEpochMilli() * 1000 + 456);
    }

    @Test
    void badIndexValuesAreRejectedWithTheirReason() {
        assertThat(index("{\"symbol\":\"VN30\",\"ts\":1733105700000,\"value\":0}").rejectReason)
                .isEqualTo("NON_POSITIVE_PRICE");
        assertThat(index("{\"symbol\":\"VN30\",\"ts\":1733105700000}").rejectReason)
                .isEqualTo("MISSING_FIELD");
        assertThat(index("{\"symbol\":\"VN30\",\"ts\":1733105700000,\"value\":\"abc\"}").rejectReason)
                .isEqualTo("INVALID_FIELD");
        assertThat(index("{\"symbol\":\"VN30\",\"ts\":946684799999,\"value\":1}").rejectReason)
                .isEqualTo("TIMESTAMP_OUT_OF_RANGE");
        assertThat(index("[1,2]").rejectReason).isEqualTo("MALFORMED_JSON");
        assertThat(index("{\"symbol\":\" VN30\",\"ts\":1733105700000,\"value\":1}").rejectReason)
                .isEqualTo("INVALID_FIELD");
    }

    @Test
    void aFlowSnapshotWithAndWithoutValues() {
        FlowSnapshot f = flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":\"1000\",\"sell_qty\":200,"
                + "\"buy_value\":135000000,\"sell_value\":27000000.5}");
        assertThat(f.isRejected()).isFalse();
        assertThat(f.sellValue.toPlainString()).isEqualTo("27000000.5");
        FlowSnapshot q =
                flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":1000,\"sell_qty\":200,\"extra\":{\"a\":1}}");
        assertThat(q.isRejected()).isFalse();
        assertThat(q.hasValues()).isFalse();
    }

    @Test
    void badFlowSnapshotsAreRejectedWithTheirReason() {
        assertThat(flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":-1,\"sell_qty\":200}").rejectReason)
                .isEqualTo("NEGATIVE_QUANTITY");
        assertThat(flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":1}").rejectReason)
                .isEqualTo("MISSING_FIELD");
        assertThat(flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":1,\"sell_qty\":2,\"buy_value\":5}")
                        .rejectReason)
                .isEqualTo("MISSING_FIELD");
        assertThat(flow("{\"symbol\":\"FPT\",\"ts\":1733105700000,\"buy_qty\":1,\"sell_qty\":2}trailing").rejectReason)
                .isEqualTo("MALFORMED_JSON");
        assertThat(flow("").rejectReason).isEqualTo("MALFORMED_JSON");
    }
}
