package io.marketbars.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketbars.records.Tick;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast front end of {@link TickParser} must give exactly what Jackson alone gives, for valid
 * ticks in every shape producers might send and for broken variants of them. Random but seeded,
 * so a failure is reproducible; the message names the input.
 */
class TickParserEquivalenceTest {
    private static final long NOW = Instant.parse("2026-11-21T00:00:00Z").toEpochMilli();
    /** 50k take about 3 s on a 2-core box, much of it JIT warm-up; -Dtickparser.cases=2000000 for a deeper run. */
    private static final int CASES = Integer.getInteger("tickparser.cases", 50_000);

    private final TickParser parser = new TickParser(600_000L);

    @Test
    void fastPathGivesExactlyWhatJacksonGives() {
        Random r = new Random(Long.getLong("tickparser.seed", 20241202L));
        int valid = 0;
        int validFast = 0;
        int mutatedFast = 0;
        for (int n = 0; n < CASES; n++) {
            byte[] doc = document(r).getBytes(StandardCharsets.UTF_8);
            boolean mutated = r.nextInt(100) < 45;
            if (mutated) {
                doc = mutate(r, doc);
            }
            long before = parser.fastPathRecords;
            assertSame(doc);
            boolean fast = parser.fastPathRecords != before;
            if (!mutated) {
                valid++;
                validFast += fast ? 1 : 0;
            } else {
                mutatedFast += fast ? 1 : 0;
            }
        }
        // The fast path must carry the common shapes, or this test proves nothing about it.
        System.out.printf(
                "equivalence: %d well-formed (%.1f%% fast), %d mutated (%d fast)%n",
                valid, 100.0 * validFast / valid, CASES - valid, mutatedFast);
        assertThat((double) validFast / valid)
                .as("fast share of well-formed documents")
                .isGreaterThan(0.9);
        assertThat(mutatedFast)
                .as("mutated documents answered by the fast path")
                .isGreaterThan(CASES / 10);
    }

    @Test
    void handPickedEdgeCases() {
        String ok = "\"symbol\":\"A\",\"ts\":1733105700123,\"qty\":1";
        String[] docs = {
            "{}",
            " {} ",
            "{ }",
            "{} x",
            "{},",
            "{}{}",
            "[]",
            "null",
            "\"x\"",
            "1",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{,\"a\":1}",
            "{\"a\" : 1 }\n",
            "\t\r\n{" + ok + ",\"price\":1}\t\r\n",
            "{" + ok + ",\"price\":1}\f",
            "\u000b{" + ok + ",\"price\":1}",
            "\ufeff{" + ok + ",\"price\":1}",
            "{" + ok + ",\"price\":01}",
            "{" + ok + ",\"price\":-01}",
            "{" + ok + ",\"price\":+1}",
            "{" + ok + ",\"price\":.5}",
            "{" + ok + ",\"price\":1.}",
            "{" + ok + ",\"price\":1.e5}",
            "{" + ok + ",\"price\":1e}",
            "{" + ok + ",\"price\":1e+}",
            "{" + ok + ",\"price\":-}",
            "{" + ok + ",\"price\":1e999999999}",
            "{" + ok + ",\"price\":1e9999999999}",
            "{" + ok + ",\"price\":1e-9999999999}",
            "{" + ok + ",\"price\":1E-18}",
            "{" + ok + ",\"price\":1E-19}",
            "{" + ok + ",\"price\":1E+19}",
            "{" + ok + ",\"price\":1E+20}",
            "{" + ok + ",\"price\":0.1e1}",
            "{" + ok + ",\"price\":-0}",
            "{" + ok + ",\"price\":-0.0}",
            "{" + ok + ",\"price\":\"-0\"}",
            "{" + ok + ",\"price\":NaN}",
            "{" + ok + ",\"price\":\"NaN\"}",
            "{" + ok + ",\"price\":\"+1\"}",
            "{" + ok + ",\"price\":\" 1.50 \"}",
            "{" + ok + ",\"price\":\"1.\"}",
            "{" + ok + ",\"price\":\".5\"}",
            "{" + ok + ",\"price\":\"0x10\"}",
            "{" + ok + ",\"price\":\"1_000\"}",
            "{" + ok + ",\"price\":\"1e5\"}",
            "{" + ok + ",\"price\":\"\"}",
            "{" + ok + ",\"price\":\"" + "1".repeat(65) + "\"}",
            "{" + ok + ",\"price\":" + "1".repeat(101) + "}",
            "{" + ok + ",\"price\":" + "1".repeat(1001) + "}",
            "{" + ok + ",\"price\":1" + "0".repeat(20) + "}",
            "{" + ok + ",\"price\":123456789012345678}",
            "{" + ok + ",\"price\":1234567890123456789}",
            "{" + ok + ",\"price\":0.123456789012345678}",
            "{" + ok + ",\"price\":0.1234567890123456789}",
            "{" + ok + ",\"price\":1,\"price\":null}",
            "{" + ok + ",\"price\":null,\"price\":2}",
            "{" + ok + ",\"price\":1,\"price\":\"x\"}",
            "{" + ok + ",\"price\":true}",
            "{" + ok + ",\"price\":tru}",
            "{" + ok + ",\"price\":truex}",
            "{" + ok + ",\"price\":nul}",
            "{" + ok + ",\"price\":nullx}",
            "{" + ok + ",\"price\":[1]}",
            "{" + ok + ",\"price\":{\"a\":1}}",
            "{" + ok + ",\"x\":[1,{\"y\":[]}],\"price\":1}",
            "{\"symbol\":7x,\"ts\":1}",
            "{\"symbol\":0x,\"ts\":1}",
            "{\"ts\":123abc}",
            "{\"symbol\":\"A\"x}",
            "{\"symbol\":\"\u0001\",\"price\":1}",
            "{\"sym\u0001\":\"A\"}",
            "{\"symbol\":\"\u007f\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"\\u0041\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{\"sym\\u0062ol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"\u00e9\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"\uD83D\uDE00\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{" + ok + ",\"price\":1,\"seq\":9223372036854775807}",
            "{" + ok + ",\"price\":1,\"seq\":9223372036854775808}",
            "{" + ok + ",\"price\":1,\"seq\":-9223372036854775808}",
            "{" + ok + ",\"price\":1,\"seq\":-9223372036854775809}",
            "{" + ok + ",\"price\":1,\"seq\":\"-9223372036854775808\"}",
            "{" + ok + ",\"price\":1,\"seq\":\"9223372036854775808\"}",
            "{" + ok + ",\"price\":1,\"seq\":\" 42 \"}",
            "{" + ok + ",\"price\":1,\"seq\":\"+42\"}",
            "{" + ok + ",\"price\":1,\"seq\":\"007\"}",
            "{" + ok + ",\"price\":1,\"seq\":\"-\"}",
            "{" + ok + ",\"price\":1,\"seq\":\"\"}",
            "{" + ok + ",\"price\":1,\"seq\":1.0}",
            "{" + ok + ",\"price\":1,\"seq\":1e2}",
            "{" + ok + ",\"price\":1,\"seq\":\"\u0001\"}",
            "{" + ok + ",\"price\":1,\"seq\":false}",
            "{\"symbol\":\"A\",\"ts\":-9223372036854775808,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":9223372036854775808,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":1125899906842624,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":1125899906842625,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":-1125899906842625,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":-0,\"price\":1,\"qty\":1}",
            "{\"symbol\":\"A\",\"ts\":\"1733105700123\",\"price\":1,\"qty\":1}",
            "{\"sym\u007f\":\"A\",\"symbol\u007f\":1,\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1}",
            "{" + ok + ",\"price\":1e2147483647}",
            "{" + ok + ",\"price\":0e2147483647}",
            "{" + ok + ",\"price\":1e-2147483648}",
            "{" + ok + ",\"price\":\"1e2147483647\"}",
            "{" + ok + ",\"price\":\"-1E+2147483647\"}",
        };
        for (String d : docs) {
            assertSame(d.getBytes(StandardCharsets.UTF_8));
        }
        String[] isos = {
            "2024-12-02T09:15:00Z",
            "2024-12-02T09:15:00z",
            "2024-12-02t09:15:00Z",
            "2024-12-02T09:15Z",
            "2024-12-02T09:15:00.Z",
            "2024-12-02T09:15:00.1Z",
            "2024-12-02T09:15:00.123456789Z",
            "2024-12-02T09:15:00.1234567891Z",
            "2024-12-02T09:15:00+07:00",
            "2024-12-02T09:15:00-00:00",
            "2024-12-02T09:15:00+00:00",
            "2024-12-02T09:15:00+18:00",
            "2024-12-02T09:15:00-18:00",
            "2024-12-02T09:15:00+18:01",
            "2024-12-02T09:15:00+17:59",
            "2024-12-02T09:15:00+07",
            "2024-12-02T09:15:00+0700",
            "2024-12-02T09:15:00+07:00:30",
            "2024-12-02T09:15:00+07:60",
            "2024-12-02T09:15:00+24:00",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-12-02T24:00:00Z",
            "2024-12-02T23:60:00Z",
            "2024-12-02T23:59:60Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999-17:59",
            "+2024-12-02T09:15:00Z",
            "12024-12-02T09:15:00Z",
            " 2024-12-02T09:15:00Z",
            "2024-12-02T09:15:00Z ",
            "2024-12-02 09:15:00Z",
            "2024-1-02T09:15:00Z",
            "1999-12-31T23:59:59.999999Z",
            "2000-01-01T00:00:00Z",
            "2026-11-21T00:10:00.000001Z",
            "2026-11-21T00:10:00Z",
            "2024-12-02T09:15:00.000+07:00",
            "2024-12-02T09:1a:00Z",
            "2024-12-02T09:15:00[UTC]",
            "2024-12-02T09:15:00Z[UTC]",
            "+999999999-12-31T23:59:59Z",
            "-999999999-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
        };
        for (String iso : isos) {
            assertSame(("{\"symbol\":\"A\",\"ts\":\"" + iso + "\",\"price\":1,\"qty\":1}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        // UTF-16 and UTF-32: Jackson detects these from zero bytes; the fast path must never see "{" there.
        String plain = "{\"symbol\":\"A\",\"ts\":1733105700123,\"price\":1,\"qty\":1}";
        for (String cs : new String[] {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"}) {
            assertSame(plain.getBytes(java.nio.charset.Charset.forName(cs)));
        }
    }

    /** With an int precision-minus-scale these overflowed past the range check and then crashed or passed. */
    @Test
    void exponentsNearIntRangeAreOutOfRangeNotACrash() {
        for (String price : new String[] {"1e2147483647", "0e2147483647", "-0E+2147483647", "\"-1e2147483647\""}) {
            byte[] doc = ("{\"symbol\":\"A\",\"ts\":1733105700123,\"qty\":1,\"price\":" + price + "}")
                    .getBytes(StandardCharsets.UTF_8);
            Tick t = parser.parse(doc, NOW, new Tick());
            assertThat(t.rejectReason).as(price).isEqualTo("INVALID_FIELD");
            assertThat(t.rejectDetail)
                    .as(price)
                    .isEqualTo("price is outside the supported range (20 integer, 18 fraction digits)");
        }
    }

    /** The fast path builds decimals itself; Jackson's getDecimalValue must agree on every token. */
    @Test
    void jacksonDecimalValueIsBigDecimalOfTheTokenText() throws Exception {
        Random r = new Random(7);
        JsonFactory json = new JsonFactory();
        for (int n = 0; n < 20_000; n++) {
            String text = jsonNumber(r);
            try (JsonParser p = json.createParser("[" + text + "]")) {
                p.nextToken();
                JsonToken t = p.nextToken();
                assertThat(t.isNumeric()).as(text).isTrue();
                BigDecimal expected;
                try {
                    expected = new BigDecimal(text);
                } catch (NumberFormatException e) {
                    continue; // the fast path hands these to Jackson
                }
                BigDecimal actual = p.getDecimalValue();
                assertThat(actual.unscaledValue()).as(text).isEqualTo(expected.unscaledValue());
                assertThat(actual.scale()).as(text).isEqualTo(expected.scale());
            }
        }
    }

    private void assertSame(byte[] doc) {
        Tick fast = parser.parse(doc, NOW, junk());
        Tick reference = parser.parseWithJacksonOnly(doc, NOW, junk());
        if (!same(fast, reference)) {
            assertThat(describe(fast))
                    .as(new String(doc, StandardCharsets.UTF_8) + " " + Arrays.toString(doc))
                    .isEqualTo(describe(reference));
        }
    }

    /** A reused Tick with stale values: rejects leave fields alone, and both paths must agree on that too. */
    private static Tick junk() {
        Tick t = new Tick();
        t.symbol = "OLD";
        t.tsMicros = -1;
        t.price = new BigDecimal("9.99");
        t.qty = BigDecimal.TEN;
        t.seq = -5L;
        t.side = 9;
        t.bid = BigDecimal.ONE;
        t.ask = BigDecimal.ONE;
        t.raw = new byte[] {1};
        return t;
    }

    /** Every field; decimals by value and scale (BigDecimal.equals), so 1.0 and 1.00 differ. */
    private static boolean same(Tick a, Tick b) {
        return Objects.equals(a.symbol, b.symbol)
                && a.tsMicros == b.tsMicros
                && Objects.equals(a.price, b.price)
                && Objects.equals(a.qty, b.qty)
                && Objects.equals(a.seq, b.seq)
                && a.side == b.side
                && Objects.equals(a.bid, b.bid)
                && Objects.equals(a.ask, b.ask)
                && Objects.equals(a.rejectReason, b.rejectReason)
                && Objects.equals(a.rejectDetail, b.rejectDetail)
                && Arrays.equals(a.raw, b.raw)
                && Arrays.equals(a.rawKey, b.rawKey)
                && a.kafkaTimestamp == b.kafkaTimestamp
                && a.partition == b.partition
                && a.offset == b.offset;
    }

    /** Every field, with decimals as unscaled value and scale so 1.0 and 1.00 differ. */
    private static String describe(Tick t) {
        return String.join(
                "|",
                t.symbol,
                Long.toString(t.tsMicros),
                dec(t.price),
                dec(t.qty),
                Objects.toString(t.seq),
                Byte.toString(t.side),
                dec(t.bid),
                dec(t.ask),
                t.rejectReason,
                t.rejectDetail,
                Arrays.toString(t.raw),
                Arrays.toString(t.rawKey),
                Long.toString(t.kafkaTimestamp),
                Integer.toString(t.partition),
                Long.toString(t.offset));
    }

    private static String dec(BigDecimal d) {
        return d == null ? "null" : d.unscaledValue() + "e-" + d.scale();
    }

    // --- Generator of documents.

    private static final String[] WS = {"", "", "", "", " ", "  ", "\n", "\t", "\r\n", " \n\t "};

    private static String ws(Random r) {
        return r.nextInt(4) == 0 ? WS[r.nextInt(WS.length)] : "";
    }

    private static final String[] SYMBOLS = {
        "SYM123", "BTCUSDT", "FPT", "VN30F2412", "A", "a b", "x".repeat(64), "x".repeat(65), " FPT", "FPT ", "A\u007fB"
    };
    private static final String[] SIDES = {
        "B", "S", "B", "S", "BUY", "SELL", "buy", "sell", "b", "s", "", "X", "BOTH", "y".repeat(45)
    };
    private static final String[] KNOWN = {"symbol", "ts", "price", "qty", "seq", "side", "bid", "ask"};
    private static final int[] KNOWN_PERCENT = {97, 97, 97, 97, 60, 70, 25, 25};
    private static final String[] UNKNOWN = {"venue", "id", "m", "Symbol", "price2", "t", "tsx", "sid", ""};

    private static String document(Random r) {
        String[] pairs = new String[16];
        int count = 0;
        for (int k = 0; k < KNOWN.length; k++) {
            if (r.nextInt(100) < KNOWN_PERCENT[k]) {
                pairs[count++] = pair(r, KNOWN[k], knownValue(r, k));
            }
        }
        int extras = r.nextInt(6) == 0 ? 1 + r.nextInt(3) : 0;
        for (int k = 0; k < extras; k++) {
            pairs[count++] = pair(r, UNKNOWN[r.nextInt(UNKNOWN.length)], unknownValue(r));
        }
        if (r.nextInt(30) == 0 && count > 0) {
            pairs[count] = pairs[r.nextInt(count)]; // duplicate key: the last non-null wins
            count++;
        }
        if (r.nextInt(30) == 0) {
            pairs[count++] = pair(r, KNOWN[r.nextInt(KNOWN.length)], "null");
        }
        for (int k = count - 1; k > 0; k--) { // shuffle: field order is free
            int j = r.nextInt(k + 1);
            String t = pairs[k];
            pairs[k] = pairs[j];
            pairs[j] = t;
        }
        StringBuilder doc = new StringBuilder(160).append(ws(r)).append('{').append(ws(r));
        for (int k = 0; k < count; k++) {
            if (k > 0) {
                doc.append(ws(r)).append(',').append(ws(r));
            }
            doc.append(pairs[k]);
        }
        return doc.append(ws(r)).append('}').append(ws(r)).toString();
    }

    private static String knownValue(Random r, int k) {
        switch (KNOWN[k]) {
            case "symbol":
                return r.nextInt(40) == 0 ? odd(r) : quote(SYMBOLS[r.nextInt(SYMBOLS.length)]);
            case "ts":
                return timestamp(r);
            case "seq":
                return seqValue(r);
            case "side":
                return r.nextInt(40) == 0 ? odd(r) : quote(SIDES[r.nextInt(SIDES.length)]);
            default:
                return decimalValue(r);
        }
    }

    private static String pair(Random r, String key, String value) {
        return quote(key) + ws(r) + ":" + ws(r) + value;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    /** A value of a type no known field wants. */
    private static String odd(Random r) {
        return r.nextInt(10) == 0
                ? pick(r, "[1]", "{}", "{\"a\":\"b\"}")
                : pick(r, "true", "false", "null", "7", "-1.5", "\"\"");
    }

    private static String unknownValue(Random r) {
        switch (r.nextInt(12)) {
            case 0:
                return "true";
            case 1:
                return "null";
            case 2:
                return jsonNumber(r);
            case 3:
                return r.nextBoolean() ? "[1,{\"y\":[null,\"z\"]},-2.5e3]" : "{\"a\":{\"b\":[]}}";
            default:
                return quote(pick(r, "HOSE", "", "x y", "12:00", "\u007f"));
        }
    }

    private static String timestamp(Random r) {
        long millis = 946_684_800_000L + (long) (r.nextDouble() * (NOW + 3_600_000L - 946_684_800_000L));
        switch (r.nextInt(12)) {
            case 0:
            case 1:
            case 2:
            case 3:
                return Long.toString(millis);
            case 4:
            case 5:
            case 6:
            case 7:
                return quote(iso(r, millis));
            case 8:
                return pick(
                        r,
                        "0",
                        "-0",
                        "1733105700",
                        "1733105700.5",
                        "1.7e12",
                        "1125899906842625",
                        "-1125899906842624",
                        "9223372036854775807",
                        "9223372036854775808",
                        "-9223372036854775808",
                        "99999999999999999999",
                        "1e3");
            case 9:
                return quote(pick(
                        r,
                        Long.toString(millis),
                        "",
                        "now",
                        "2024-12-02 09:15:00",
                        "2024-12-02T09:15:00",
                        "2024-12-02T09:15:00.123+07:00[Asia/Ho_Chi_Minh]"));
            case 10:
                return odd(r);
            default:
                return quote(randomIso(r));
        }
    }

    private static String iso(Random r, long millis) {
        Instant t = Instant.ofEpochMilli(millis).plusNanos(r.nextInt(1_000_000));
        java.time.ZoneOffset offset = java.time.ZoneOffset.ofTotalSeconds((r.nextInt(37) - 18) * 1800);
        return ISO_FORMATS[r.nextInt(ISO_FORMATS.length)].format(t.atOffset(offset));
    }

    /** Second fractions of several widths; XXX writes Z for UTC, xxx writes +00:00. */
    private static final java.time.format.DateTimeFormatter[] ISO_FORMATS = java.util.stream.Stream.of(
                    "", ".SSS", ".SSSSSS", ".SSSSSSSSS", ".S", ".SS")
            .flatMap(f -> java.util.stream.Stream.of("XXX", "xxx").map(z -> "uuuu-MM-dd'T'HH:mm:ss" + f + z))
            .map(java.time.format.DateTimeFormatter::ofPattern)
            .toArray(java.time.format.DateTimeFormatter[]::new);

    /** ISO-shaped text with every part drawn near and beyond its range. */
    private static String randomIso(Random r) {
        String date = pick(r, "0000", "1999", "2000", "2024", "2023", "2100", "2400", "2026", "9999") + "-"
                + two(r.nextInt(14)) + "-" + two(r.nextInt(33));
        String time = two(r.nextInt(26)) + ":" + two(r.nextInt(62)) + ":" + two(r.nextInt(62));
        String fraction = pick(r, "", "", ".", ".5", ".123", ".123456", ".123456789", ".1234567891");
        String offset = pick(
                r,
                "Z",
                "z",
                "+07:00",
                "-05:30",
                "+18:00",
                "-18:00",
                "+18:30",
                "+19:00",
                "-00:00",
                "+07",
                "+0700",
                "+07:00:00",
                "",
                "+7:00",
                "+07:61");
        String t = pick(r, "T", "T", "T", "t", " ");
        return date + t + time + fraction + offset;
    }

    private static String decimalValue(Random r) {
        switch (r.nextInt(10)) {
            case 0:
            case 1:
            case 2:
                return quote(plainDecimalText(r));
            case 3:
            case 4:
            case 5:
                return LEADING_ZEROS.matcher(plainDecimalText(r)).replaceFirst("$1");
            case 6:
                return jsonNumber(r);
            case 7:
                return quote(pick(
                        r,
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        " 1.50 ",
                        "+1",
                        ".5",
                        "1.",
                        "1e5",
                        "1E-3",
                        "",
                        " ",
                        "abc",
                        "1,5",
                        "0x1F",
                        "1".repeat(70),
                        "00012.5",
                        "-",
                        "1e99999999999",
                        "1e-19",
                        "-0"));
            case 8:
                return odd(r);
            default:
                return jsonNumber(r);
        }
    }

    private static final java.util.regex.Pattern LEADING_ZEROS = java.util.regex.Pattern.compile("^(-?)0+(?=\\d)");

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    /** Decimal text without exponent: -?digits(.digits)?, sometimes past 18 digits or the supported range. */
    private static String plainDecimalText(Random r) {
        StringBuilder s = new StringBuilder();
        if (r.nextInt(12) == 0) {
            s.append('-');
        }
        int intDigits = r.nextInt(10) == 0 ? 1 + r.nextInt(24) : 1 + r.nextInt(6);
        for (int k = 0; k < intDigits; k++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        if (r.nextBoolean()) {
            int fracDigits = r.nextInt(10) == 0 ? 1 + r.nextInt(22) : 1 + r.nextInt(4);
            s.append('.');
            for (int k = 0; k < fracDigits; k++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        return s.toString();
    }

    /** Any number of the strict JSON grammar, including big exponents and long mantissas. */
    private static String jsonNumber(Random r) {
        StringBuilder s = new StringBuilder();
        if (r.nextInt(4) == 0) {
            s.append('-');
        }
        if (r.nextInt(5) == 0) {
            s.append('0');
        } else {
            s.append((char) ('1' + r.nextInt(9)));
            int more = r.nextInt(8) == 0 ? r.nextInt(30) : r.nextInt(6);
            for (int k = 0; k < more; k++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        if (r.nextBoolean()) {
            s.append('.');
            int frac = 1 + (r.nextInt(8) == 0 ? r.nextInt(30) : r.nextInt(6));
            for (int k = 0; k < frac; k++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        if (r.nextInt(4) == 0) {
            s.append(r.nextBoolean() ? 'e' : 'E').append(pick(r, "", "+", "-"));
            s.append(pick(
                    r, "0", "1", "5", "18", "19", "20", "00", "999999", "2147483647", "2147483648", "99999999999"));
        }
        return s.toString();
    }

    private static String seqValue(Random r) {
        switch (r.nextInt(6)) {
            case 0:
            case 1:
            case 2:
                return Long.toString(r.nextInt(1_000_000));
            case 3:
                return quote(Long.toString(r.nextLong()));
            case 4:
                return pick(
                        r,
                        "9223372036854775807",
                        "9223372036854775808",
                        "-9223372036854775808",
                        "-9223372036854775809",
                        "123456789012345678901234",
                        "1.5",
                        "1e3",
                        "-0",
                        "0");
            default:
                return r.nextBoolean()
                        ? odd(r)
                        : quote(pick(
                                r,
                                " 42 ",
                                "+7",
                                "007",
                                "-",
                                "",
                                "x",
                                "9223372036854775808",
                                "1.0",
                                "-9223372036854775808"));
        }
    }

    // --- Mutations of a well-formed document.

    private static final byte[] INTERESTING =
            "\"\\,:{}[] \t\n0123456789-+.eEnulltruefalse\u0000\u0001\u001f\u007f".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] mutate(Random r, byte[] doc) {
        int rounds = 1 + (r.nextInt(4) == 0 ? r.nextInt(3) : 0);
        for (int k = 0; k < rounds; k++) {
            doc = mutateOnce(r, doc);
        }
        return doc;
    }

    private static byte[] mutateOnce(Random r, byte[] doc) {
        int at = doc.length == 0 ? 0 : r.nextInt(doc.length + 1);
        switch (r.nextInt(11)) {
            case 0:
                return Arrays.copyOf(doc, at); // truncation (may be empty)
            case 1:
                if (doc.length > 0) {
                    doc = doc.clone();
                    doc[Math.min(at, doc.length - 1)] = INTERESTING[r.nextInt(INTERESTING.length)];
                }
                return doc;
            case 2:
                if (doc.length > 0) {
                    doc = doc.clone();
                    doc[Math.min(at, doc.length - 1)] = (byte) r.nextInt(256);
                }
                return doc;
            case 3:
                return insert(doc, at, pick(r, "\\\"", "\\\\", "\\n", "\\u0041", "\\u00e9", "\\/", "\\x"));
            case 4:
                return insert(doc, at, pick(r, "\u00e9", "\u20ac", "\uD83D\uDE00", "\u00a0"));
            case 5:
                return insert(doc, at, pick(r, "0", "00", "+", ".", "-", "e", "E5", ".5", "1."));
            case 6:
                return insert(doc, doc.length, pick(r, " x", "}", ",", " {}", "\u0000", "  \n", "null", "\f"));
            case 7:
                return insert(doc, 0, pick(r, "\ufeff", " ", "\u0000", "[", "\f"));
            case 8: {
                // Duplicate a key: copy a known field's pair right after the opening brace.
                String s = new String(doc, StandardCharsets.UTF_8);
                int open = s.indexOf('{');
                return open < 0
                        ? doc
                        : insert(
                                doc,
                                open + 1,
                                pick(r, "\"price\":\"7\",", "\"ts\":null,", "\"symbol\":\"Z\",", "\"seq\":1,"));
            }
            case 9:
                return insert(doc, at, pick(r, "[", "]", "{", "}", ",", ":", "\"", "\"\":1,", "true", "nul"));
            default: {
                // Drop one byte.
                if (doc.length == 0) {
                    return doc;
                }
                int cut = Math.min(at, doc.length - 1);
                ByteArrayOutputStream out = new ByteArrayOutputStream(doc.length);
                out.write(doc, 0, cut);
                out.write(doc, cut + 1, doc.length - cut - 1);
                return out.toByteArray();
            }
        }
    }

    private static byte[] insert(byte[] doc, int at, String text) {
        byte[] add = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[doc.length + add.length];
        System.arraycopy(doc, 0, out, 0, at);
        System.arraycopy(add, 0, out, at, add.length);
        System.arraycopy(doc, at, out, at + add.length, doc.length - at);
        return out;
    }
}
