package io.marketbars.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketbars.local.MarketSimulator.Faults;
import io.marketbars.testing.EmbeddedKafka;
import io.marketbars.testing.TestServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class MarketSimulatorIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void aSeedReplaysTheSameMarket() {
        Faults faults = new Faults(0.01, 0.01, 0.01);
        MarketSimulator.Generator a = new MarketSimulator.Generator(7, 30, faults);
        MarketSimulator.Generator b = new MarketSimulator.Generator(7, 30, faults);
        Instant now = Instant.parse("2024-12-02T02:15:00.123Z");
        for (int i = 0; i < 5000; i++) {
            assertThat(a.nextTrade().toJson(now)).isEqualTo(b.nextTrade().toJson(now));
        }
        assertThat(a.indexValue()).isEqualTo(b.indexValue());
        assertThat(new MarketSimulator.Generator(8, 30, faults).nextTrade().toJson(now))
                .isNotEqualTo(
                        new MarketSimulator.Generator(7, 30, faults).nextTrade().toJson(now));
    }

    @Test
    void pricesStayOnTheTickGridAndInTheDailyBand() {
        MarketSimulator.Generator g = new MarketSimulator.Generator(1, 60, Faults.NONE);
        Map<String, Long> lastSeq = new HashMap<>();
        for (int i = 0; i < 50_000; i++) {
            MarketSimulator.Trade t = g.nextTrade();
            assertThat(t.price % MarketSimulator.tickSize(t.price))
                    .as("%s at %d", t.stock.symbol, t.price)
                    .isZero();
            assertThat(t.price).isBetween(t.stock.floor, t.stock.ceiling);
            assertThat(t.bid).isLessThan(t.ask);
            assertThat(t.price).isBetween(t.bid, t.ask);
            assertThat(t.lots).isBetween(1L, 5000L);
            Long previous = lastSeq.put(t.stock.symbol, t.seq);
            assertThat(t.seq).isEqualTo(previous == null ? 1 : previous + 1);
        }
        assertThat(g.symbols()).hasSize(60).doesNotHaveDuplicates().contains("FPT", "VNM", "SIM060");
    }

    /** Two seconds against a real broker: every record is JSON of the contract or one of the planned faults. */
    @Test
    void producesRealisticTicksWithTheConfiguredFaults() throws Exception {
        String trades = TestServices.unique("sim_trades");
        String index = TestServices.unique("sim_index");
        String flow = TestServices.unique("sim_flow");
        Faults faults = new Faults(0.02, 0.01, 0.05);
        EmbeddedKafka kafka = TestServices.kafka();
        kafka.createTopic(trades, 3);
        kafka.createTopic(index, 1);
        kafka.createTopic(flow, 2);
        Properties props = kafka.producerProps();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        Instant before = Instant.now();
        MarketSimulator sim;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            sim = new MarketSimulator(producer, trades, index, flow, 42, 2000, 30, faults);
            sim.start();
            Thread.sleep(2000);
            sim.stop();
        }
        Instant after = Instant.now();
        assertThat(sim.sendErrors()).isZero();
        assertThat(sim.sent()).isGreaterThan(2000);

        List<ConsumerRecord<byte[], byte[]>> all = consume(kafka, trades, sim.sent() + sim.futuresTrades());
        assertThat(all).hasSize((int) (sim.sent() + sim.futuresTrades()));
        // Futures trades under the front-month alias share the topic; they are valid trades.
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long futures = 0;
        for (ConsumerRecord<byte[], byte[]> r : all) {
            if (MarketSimulator.FUTURES_ALIAS.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                io.marketbars.records.Tick t = new io.marketbars.sources.TickParser(600_000)
                        .parse(r.value(), System.currentTimeMillis(), new io.marketbars.records.Tick());
                assertThat(t.rejectReason)
                        .as(new String(r.value(), StandardCharsets.UTF_8))
                        .isNull();
                assertThat(t.price.remainder(new BigDecimal("0.1")).signum()).isZero();
                futures++;
            } else {
                records.add(r);
            }
        }
        assertThat(futures).isEqualTo(sim.futuresTrades()).isPositive();
        assertThat(records).hasSize((int) sim.sent());

        // Foreign-flow snapshots: every one parses, keyed by its symbol.
        io.marketbars.sources.FeedParser feedParser = new io.marketbars.sources.FeedParser(600_000);
        List<ConsumerRecord<byte[], byte[]>> snapshots = consume(kafka, flow, sim.flowSnapshots());
        assertThat(snapshots).hasSize((int) sim.flowSnapshots()).isNotEmpty();
        for (ConsumerRecord<byte[], byte[]> r : snapshots) {
            io.marketbars.records.FlowSnapshot f = feedParser.parseFlow(
                    r.value(), System.currentTimeMillis(), new io.marketbars.records.FlowSnapshot());
            assertThat(f.rejectReason)
                    .as(new String(r.value(), StandardCharsets.UTF_8))
                    .isNull();
            assertThat(f.symbol).isEqualTo(new String(r.key(), StandardCharsets.UTF_8));
        }

        int invalid = 0;
        int withSide = 0;
        int withQuote = 0;
        int bare = 0;
        int epochMillis = 0;
        int outOfOrder = 0;
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        Map<String, Long> lastSeq = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode v = validTick(r.value());
            if (v == null) {
                invalid++;
                continue;
            }
            String symbol = v.get("symbol").asText();
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(symbol);
            Instant ts = v.get("ts").isIntegralNumber()
                    ? Instant.ofEpochMilli(v.get("ts").asLong())
                    : OffsetDateTime.parse(v.get("ts").asText()).toInstant();
            assertThat(ts).isBetween(before.minusMillis(1), after.plusMillis(1));
            if (v.get("ts").isIntegralNumber()) {
                epochMillis++;
            } else {
                assertThat(v.get("ts").asText()).endsWith("+07:00");
            }
            boolean side = v.has("side");
            boolean quote = v.has("bid") && v.has("ask");
            withSide += side ? 1 : 0;
            withQuote += quote && !side ? 1 : 0;
            bare += !side && !quote ? 1 : 0;
            long seq = v.get("seq").asLong();
            if (!seen.add(symbol + "/" + seq)) {
                duplicates++;
                continue;
            }
            Long last = lastSeq.get(symbol);
            if (last != null && seq < last) {
                outOfOrder++;
            }
            lastSeq.merge(symbol, seq, Math::max);
        }
        // Every malformed record was meant to be, and no valid one is among them.
        assertThat(invalid).isEqualTo(sim.malformed());
        double malformedShare = (double) sim.malformed() / (sim.sent() - sim.duplicates());
        assertThat(malformedShare).isBetween(0.03, 0.07);
        assertThat(duplicates).isEqualTo(sim.duplicates()).isPositive();
        assertThat(sim.delayed()).isPositive();
        assertThat(outOfOrder).isPositive();
        assertThat(withSide).isPositive();
        assertThat(withQuote).isPositive();
        assertThat(bare).isPositive();
        assertThat(epochMillis).isPositive().isLessThan(records.size() - invalid);
        assertThat(lastSeq.keySet()).hasSizeGreaterThan(20);

        List<ConsumerRecord<byte[], byte[]>> values = consume(kafka, index, sim.indexValues());
        assertThat(values).hasSize((int) sim.indexValues()).isNotEmpty();
        for (ConsumerRecord<byte[], byte[]> r : values) {
            JsonNode v = MAPPER.readTree(r.value());
            assertThat(v.get("symbol").asText()).isEqualTo("VN30");
            assertThat(OffsetDateTime.parse(v.get("ts").asText()).getOffset().getTotalSeconds())
                    .isEqualTo(7 * 3600);
            assertThat(new BigDecimal(v.get("value").asText()))
                    .isBetween(new BigDecimal("1100"), new BigDecimal("1500"));
        }
    }

    /** The tick if {@code value} is a valid tick of the contract, else null. */
    private static JsonNode validTick(byte[] value) {
        JsonNode v;
        try {
            v = MAPPER.readTree(value);
        } catch (java.io.IOException e) {
            return null;
        }
        if (!v.hasNonNull("symbol")
                || !v.hasNonNull("ts")
                || !v.hasNonNull("price")
                || !v.hasNonNull("qty")
                || !v.has("seq")) {
            return null;
        }
        BigDecimal price = new BigDecimal(v.get("price").asText());
        BigDecimal qty = new BigDecimal(v.get("qty").asText());
        if (price.signum() <= 0 || qty.signum() < 0) {
            return null;
        }
        assertThat(v.get("price").isTextual()).isTrue();
        assertThat(price.scale()).isEqualTo(2);
        assertThat(qty.remainder(BigDecimal.valueOf(100)).signum()).isZero();
        if (v.has("side")) {
            String side = v.get("side").asText();
            if (!side.equals("B") && !side.equals("S")) {
                return null;
            }
        }
        return v;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(EmbeddedKafka kafka, String topic, long expected) {
        return kafka.consume(topic, expected);
    }
}
