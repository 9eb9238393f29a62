package io.marketbars.sources;

import io.marketbars.records.Tick;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Rough ns/record of {@link TickParser}: Jackson alone against the fast path, on typical ticks
 * with epoch-millisecond and ISO timestamps. Prints, asserts nothing: timings depend on the box.
 * Run from the test classpath: {@code java -cp ... io.marketbars.sources.TickParserThroughput [records]}.
 */
public final class TickParserThroughput {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

    private TickParserThroughput() {}

    public static void main(String[] args) {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        long start = 1_733_104_800_123L;
        long now = start + 86_400_000L;
        // 1024 distinct records, as a topic would have: varied symbols, prices, sizes and seqs.
        byte[][] epoch = new byte[1024][];
        byte[][] iso = new byte[1024][];
        for (int k = 0; k < epoch.length; k++) {
            long ts = start + k * 37L;
            String rest = ",\"price\":\"" + (1000 + k) + "." + (10 + k % 90) + "\",\"qty\":" + (100 * (1 + k % 7))
                    + ",\"seq\":" + (42 + k) + ",\"side\":\"" + (k % 2 == 0 ? 'B' : 'S') + "\"}";
            String symbol = "{\"symbol\":\"SYM" + (k % 200) + "\",\"ts\":";
            epoch[k] = (symbol + ts + rest).getBytes(StandardCharsets.UTF_8);
            String isoTs = ISO.format(OffsetDateTime.ofInstant(Instant.ofEpochMilli(ts), ZoneOffset.ofHours(7)));
            iso[k] = (symbol + "\"" + isoTs + "\"" + rest).getBytes(StandardCharsets.UTF_8);
        }
        System.out.println("e.g. " + new String(epoch[0], StandardCharsets.UTF_8));
        System.out.println("e.g. " + new String(iso[0], StandardCharsets.UTF_8));
        TickParser parser = new TickParser(600_000L);
        String[] names = {
            "epoch ts, Jackson only", "epoch ts, fast path   ", "ISO ts,   Jackson only", "ISO ts,   fast path   "
        };
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        for (int round = 0;
                round < 6;
                round++) { // the first rounds are JIT warm-up; the best run is the least disturbed
            for (int v = 0; v < names.length; v++) {
                double ns = run(parser, v < 2 ? epoch : iso, now, records, v % 2 == 1);
                best[v] = Math.min(best[v], ns);
                System.out.printf("round %d  %s  %7.1f ns/record%n", round, names[v], ns);
            }
        }
        for (int v = 0; v < names.length; v++) {
            System.out.printf(
                    "best     %s  %7.1f ns/record  (%.0fk records/s on one core)%n", names[v], best[v], 1e6 / best[v]);
        }
    }

    private static double run(TickParser parser, byte[][] values, long now, int records, boolean fast) {
        long valid = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < records; i++) {
            byte[] v = values[i & (values.length - 1)];
            Tick t = fast ? parser.parse(v, now, new Tick()) : parser.parseWithJacksonOnly(v, now, new Tick());
            valid += t.isRejected() ? 0 : 1;
        }
        double ns = (System.nanoTime() - t0) / (double) records;
        if (valid != records) {
            throw new IllegalStateException("rejected " + (records - valid) + " typical ticks");
        }
        return ns;
    }
}
