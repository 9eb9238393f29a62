package io.marketbars.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the local run a live, realistic and deliberately slightly dirty tick stream, so that the
 * job's ordering, deduplication and dead-letter paths all have work to do without an exchange feed.
 *
 * <p>What it produces, on its own thread from {@link #start()} until {@link #stop()}:
 *
 * <ul>
 *   <li>trades of {@code symbolCount} VN30-like stocks, prices in thousands of VND with two
 *       decimals on HOSE's tick-size grid (0.01 below 10, 0.05 below 50, else 0.10), random-walking
 *       within the ±7% daily band, quantities in lots of 100, at about {@code ticksPerSecond}
 *       outside bursts of activity on one stock, with a per-symbol seq;
 *   <li>a mix of ticks with an explicit aggressor side, with bid/ask only, with both, and with
 *       neither; {@code ts} is the wall clock, either ISO-8601 at +07:00 or epoch milliseconds;
 *   <li>faults, shares set by {@link Faults}: ticks held back 0.5-3 s (out of order), ticks re-sent
 *       with the same seq, and malformed records (broken JSON, negative qty, missing price, side
 *       "X");
 *   <li>when {@code indexTopic} is not null, a VN30-style index value once a second, {@code
 *       {"symbol":"VN30","ts":..,"value":"1234.56"}}, computed from the simulated stocks, and
 *       futures trades on the trades topic under the rolling alias {@code VN30F1M}, about two a
 *       second, priced at the index plus a drifting basis on a 0.1-point grid;
 *   <li>when {@code flowTopic} is not null, foreign investors' cumulative-for-the-day buying and
 *       selling, a snapshot per stock every three seconds or so (with values for even-ranked
 *       stocks), restarting at midnight in Ho Chi Minh City, and now and then a stale snapshot
 *       behind the live counters, as after a feed reconnect.
 * </ul>
 *
 * <p>Everything but the timestamps and the interleaving with the wall clock is a function of the
 * seed: {@link Generator} draws every random choice from one {@link Random}.
 *
 * <p>Each stream has its own method called from {@link #step}: {@link #tradeStream} and {@link
 * #indexStream}, {@link #futuresStream} and {@link #flowStream}, reading the stock and index state
 * they need from the {@link Generator}.
 */
public final class MarketSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MarketSimulator.class);

    public static final double DEFAULT_TICKS_PER_SECOND = 200;
    public static final int DEFAULT_SYMBOLS = 30;
    public static final String INDEX_SYMBOL = "VN30";
    /** The front-month VN30 futures contract, as feeds publish it: the job resolves the code. */
    public static final String FUTURES_ALIAS = "VN30F1M";

    private static final long FUTURES_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(450);
    private static final long FLOW_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Vietnam's exchanges quote local time, +07:00 all year. */
    static final ZoneOffset EXCHANGE_OFFSET = ZoneOffset.ofHours(7);

    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");
    private static final JsonFactory JSON = new JsonFactory();
    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long INDEX_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Shares (0..1) of the ticks that are delayed, re-sent as duplicates, or malformed. */
    public record Faults(double delayedShare, double duplicateShare, double malformedShare) {
        public static final Faults DEFAULT = new Faults(0.005, 0.001, 0.001);
        public static final Faults NONE = new Faults(0, 0, 0);

        public Faults {
            if (delayedShare < 0
                    || duplicateShare < 0
                    || malformedShare < 0
                    || delayedShare + duplicateShare + malformedShare > 1) {
                throw new IllegalArgumentException("fault shares must be >= 0 and add up to at most 1");
            }
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String indexTopic;
    private final String flowTopic;
    private final double ticksPerSecond;
    private final Generator generator;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong delayed = new AtomicLong();
    private final AtomicLong indexValues = new AtomicLong();
    private final AtomicLong futuresTrades = new AtomicLong();
    private final AtomicLong flowSnapshots = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final Callback onAck = (metadata, e) -> {
        if (e != null && sendErrors.getAndIncrement() == 0) {
            LOG.warn("Market simulator: a send failed (further failures are only counted)", e);
        }
    };

    /** Held-back records (delayed ticks, duplicates), by the time they are due. */
    private final PriorityQueue<Held> held = new PriorityQueue<>();

    private volatile boolean running;
    private Thread thread;
    private long nextIndexNanos;
    private long nextFuturesNanos;
    private long nextFlowNanos;
    private long holdSequence;

    /** Trades only, with {@link Faults#DEFAULT}. */
    public MarketSimulator(
            Producer<byte[], byte[]> producer, String topic, long seed, double ticksPerSecond, int symbolCount) {
        this(producer, topic, null, null, seed, ticksPerSecond, symbolCount, Faults.DEFAULT);
    }

    /**
     * @param indexTopic where the index values go, or null for no index and no futures
     * @param flowTopic where foreign-flow snapshots go, or null for none
     * @param ticksPerSecond the trade rate outside bursts; bursts add to it
     */
    public MarketSimulator(
            Producer<byte[], byte[]> producer,
            String topic,
            String indexTopic,
            String flowTopic,
            long seed,
            double ticksPerSecond,
            int symbolCount,
            Faults faults) {
        if (!(ticksPerSecond > 0)) {
            throw new IllegalArgumentException("ticksPerSecond must be positive");
        }
        this.producer = producer;
        this.topic = topic;
        this.indexTopic = indexTopic;
        this.flowTopic = flowTopic;
        this.ticksPerSecond = ticksPerSecond;
        this.generator = new Generator(seed, symbolCount, faults);
    }

    public List<String> symbols() {
        return generator.symbols();
    }

    /** Records handed to Kafka on the trades topic: valid, malformed and duplicate ones. */
    public long sent() {
        return sent.get();
    }

    public long malformed() {
        return malformed.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long delayed() {
        return delayed.get();
    }

    public long indexValues() {
        return indexValues.get();
    }

    public long futuresTrades() {
        return futuresTrades.get();
    }

    public long flowSnapshots() {
        return flowSnapshots.get();
    }

    public long sendErrors() {
        return sendErrors.get();
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        running = true;
        thread = new Thread(this::loop, "market-simulator");
        thread.setDaemon(true);
        thread.start();
        LOG.info(
                "Market simulator: {} symbols at {} ticks/s to '{}'{}",
                generator.symbols().size(),
                ticksPerSecond,
                topic,
                indexTopic == null ? "" : ", index to '" + indexTopic + "'");
    }

    /**
     * Stops the thread, sends what was still held back (late, as it was meant to be) and flushes
     * the producer, so the counters match what Kafka has. The producer stays open: it is the
     * caller's.
     */
    public synchronized void stop() {
        if (thread == null) {
            return;
        }
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Market simulator thread did not stop within 30 s");
        }
        thread = null;
        LOG.info(
                "Market simulator stopped: {} sent, {} malformed, {} duplicates, {} delayed, {} index values,"
                        + " {} futures trades, {} foreign-flow snapshots",
                sent(),
                malformed(),
                duplicates(),
                delayed(),
                indexValues(),
                futuresTrades(),
                flowSnapshots());
    }

    @Override
    public void close() {
        stop();
    }

    private void loop() {
        long last = System.nanoTime();
        nextIndexNanos = last;
        nextFuturesNanos = last;
        nextFlowNanos = last;
        double due = 0;
        try {
            while (running) {
                long nowNanos = System.nanoTime();
                // Rate times elapsed time, not a count per step: a late wake-up catches up, so
                // the rate holds however coarse the sleep is.
                due += (nowNanos - last) / 1e9 * ticksPerSecond * generator.activity();
                due = Math.min(due, ticksPerSecond); // after a long stall, catch up one second at most
                last = nowNanos;
                step(nowNanos, Instant.now(), due);
                due -= Math.floor(due);
                LockSupport.parkNanos(STEP_NANOS);
            }
            releaseHeld(Long.MAX_VALUE);
            producer.flush();
        } catch (RuntimeException e) {
            running = false;
            LOG.error("Market simulator stopped by an error", e);
        }
    }

    /** One pass: every stream produces what is due by now. New streams get a call here. */
    private void step(long nowNanos, Instant now, double dueTicks) {
        tradeStream(nowNanos, now, (int) dueTicks);
        releaseHeld(nowNanos);
        if (indexTopic != null && nowNanos >= nextIndexNanos) {
            indexStream(now);
            nextIndexNanos = next(nextIndexNanos, nowNanos, INDEX_PERIOD_NANOS);
        }
        if (indexTopic != null && nowNanos >= nextFuturesNanos) {
            futuresStream(now);
            nextFuturesNanos = next(nextFuturesNanos, nowNanos, FUTURES_PERIOD_NANOS);
        }
        if (flowTopic != null && nowNanos >= nextFlowNanos) {
            flowStream(now);
            nextFlowNanos = next(nextFlowNanos, nowNanos, FLOW_PERIOD_NANOS);
        }
    }

    private static long next(long due, long nowNanos, long period) {
        due += period;
        return due < nowNanos ? nowNanos + period : due;
    }

    /** One futures trade under the front-month alias: index plus basis, on the trades topic. */
    private void futuresStream(Instant now) {
        long[] trade = generator.nextFuturesTrade();
        String json = "{\"symbol\":\"" + FUTURES_ALIAS + "\",\"ts\":\"" + isoAtExchangeOffset(now) + "\",\"price\":\""
                + decimal(trade[1]).stripTrailingZeros().toPlainString() + "\",\"qty\":" + trade[2] + ",\"seq\":"
                + trade[0] + "}";
        producer.send(
                new ProducerRecord<>(
                        topic, FUTURES_ALIAS.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)),
                onAck);
        futuresTrades.incrementAndGet();
    }

    /** Cumulative foreign buying and selling for about a third of the stocks. */
    private void flowStream(Instant now) {
        int day = OffsetDateTime.ofInstant(now, EXCHANGE_OFFSET).getDayOfYear();
        for (String[] snapshot : generator.nextFlowSnapshots(day, isoAtExchangeOffset(now))) {
            producer.send(
                    new ProducerRecord<>(
                            flowTopic,
                            snapshot[0].getBytes(StandardCharsets.UTF_8),
                            snapshot[1].getBytes(StandardCharsets.UTF_8)),
                    onAck);
            flowSnapshots.incrementAndGet();
        }
    }

    /** Generates {@code count} trades, sending each now or holding it back as its fault says. */
    private void tradeStream(long nowNanos, Instant now, int count) {
        for (int i = 0; i < count; i++) {
            Trade t = generator.nextTrade();
            byte[] key = t.stock.key;
            byte[] value = t.toJson(now);
            if (t.fault == Fault.MALFORMED) {
                malformed.incrementAndGet();
            }
            if (t.fault == Fault.DELAYED) {
                delayed.incrementAndGet();
                hold(nowNanos + TimeUnit.MILLISECONDS.toNanos(t.holdMillis), key, value, false);
                continue;
            }
            send(key, value);
            if (t.fault == Fault.DUPLICATE) {
                hold(nowNanos + TimeUnit.MILLISECONDS.toNanos(t.holdMillis), key, value, true);
            }
        }
    }

    /** One index value from the current stock prices. */
    private void indexStream(Instant now) {
        BigDecimal value = generator.indexValue();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("symbol", INDEX_SYMBOL);
            g.writeStringField("ts", isoAtExchangeOffset(now));
            g.writeStringField("value", value.toPlainString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        producer.send(
                new ProducerRecord<>(indexTopic, INDEX_SYMBOL.getBytes(StandardCharsets.UTF_8), bytes.toByteArray()),
                onAck);
        indexValues.incrementAndGet();
    }

    private void hold(long dueNanos, byte[] key, byte[] value, boolean duplicate) {
        held.add(new Held(dueNanos, holdSequence++, key, value, duplicate));
    }

    private void releaseHeld(long nowNanos) {
        while (!held.isEmpty() && held.peek().dueNanos <= nowNanos) {
            Held h = held.poll();
            send(h.key, h.value);
            if (h.duplicate) {
                duplicates.incrementAndGet();
            }
        }
    }

    private void send(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value), onAck);
        sent.incrementAndGet();
    }

    static String isoAtExchangeOffset(Instant t) {
        return ISO_MILLIS.format(OffsetDateTime.ofInstant(t, EXCHANGE_OFFSET));
    }

    /** A record sent later than generated; {@code order} keeps equal due times first-in first-out. */
    private record Held(long dueNanos, long order, byte[] key, byte[] value, boolean duplicate)
            implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /** What happens to a generated trade on its way to Kafka. */
    enum Fault {
        NONE,
        DELAYED,
        DUPLICATE,
        MALFORMED
    }

    /** How a malformed record is broken; each is a different dead-letter reason in the job. */
    enum Malformation {
        BROKEN_JSON,
        NEGATIVE_QTY,
        MISSING_PRICE,
        UNKNOWN_SIDE
    }

    /** One stock's state: prices in hundredths of a thousand VND, i.e. tens of VND. */
    static final class Stock {
        final String symbol;
        final byte[] key;
        /** Yesterday's close: the centre of the ±7% band and of the mean reversion. */
        final long reference;

        final long floor;
        final long ceiling;
        /** Relative share of the trading activity. */
        final double activity;
        /** Index weight: shares outstanding, in millions. */
        final long indexShares;

        long last;
        long seq;

        Stock(String symbol, long reference, double activity, long indexShares) {
            this.symbol = symbol;
            this.key = symbol.getBytes(StandardCharsets.UTF_8);
            this.reference = reference;
            this.floor = roundToTick((long) Math.ceil(reference * 0.93), true);
            this.ceiling = roundToTick((long) Math.floor(reference * 1.07), false);
            this.activity = activity;
            this.indexShares = indexShares;
            this.last = reference;
        }
    }

    /** HOSE tick size, in hundredths of a thousand VND. */
    static long tickSize(long price) {
        return price < 1_000 ? 1 : price < 5_000 ? 5 : 10;
    }

    /** Snaps a price onto the tick grid that applies at its level. */
    static long roundToTick(long price, boolean up) {
        long tick = tickSize(price);
        long below = Math.floorDiv(price, tick) * tick;
        return below == price || !up ? below : below + tick;
    }

    static BigDecimal decimal(long hundredths) {
        return BigDecimal.valueOf(hundredths, 2);
    }

    /** A generated trade, before its timestamp: everything here follows from the seed. */
    static final class Trade {
        final Stock stock;
        final long seq;
        final long price;
        final long lots;
        /** 'B', 'S' or 0 for none. */
        final char side;

        final long bid;
        final long ask;
        final boolean withSide;
        final boolean withQuote;
        final boolean epochMillis;
        final Fault fault;
        final Malformation malformation;
        final int holdMillis;

        Trade(
                Stock stock,
                long seq,
                long price,
                long lots,
                char side,
                long bid,
                long ask,
                boolean withSide,
                boolean withQuote,
                boolean epochMillis,
                Fault fault,
                Malformation malformation,
                int holdMillis) {
            this.stock = stock;
            this.seq = seq;
            this.price = price;
            this.lots = lots;
            this.side = side;
            this.bid = bid;
            this.ask = ask;
            this.withSide = withSide;
            this.withQuote = withQuote;
            this.epochMillis = epochMillis;
            this.fault = fault;
            this.malformation = malformation;
            this.holdMillis = holdMillis;
        }

        byte[] toJson(Instant now) {
            Malformation m = fault == Fault.MALFORMED ? malformation : null;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(192);
            try (JsonGenerator g = JSON.createGenerator(bytes)) {
                g.writeStartObject();
                g.writeStringField("symbol", stock.symbol);
                if (epochMillis) {
                    g.writeNumberField("ts", now.toEpochMilli());
                } else {
                    g.writeStringField("ts", isoAtExchangeOffset(now));
                }
                if (m != Malformation.MISSING_PRICE) {
                    g.writeStringField("price", decimal(price).toPlainString());
                }
                String qty = BigDecimal.valueOf(lots * 100).toPlainString();
                g.writeStringField("qty", m == Malformation.NEGATIVE_QTY ? "-" + qty : qty);
                g.writeNumberField("seq", seq);
                if (m == Malformation.UNKNOWN_SIDE) {
                    g.writeStringField("side", "X");
                } else if (withSide) {
                    g.writeStringField("side", String.valueOf(side));
                }
                if (withQuote) {
                    g.writeStringField("bid", decimal(bid).toPlainString());
                    g.writeStringField("ask", decimal(ask).toPlainString());
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] json = bytes.toByteArray();
            // Cut inside the object: no prefix of a JSON object is a JSON object.
            return m == Malformation.BROKEN_JSON ? Arrays.copyOf(json, json.length * 2 / 3) : json;
        }
    }

    /**
     * All the simulator's randomness, drawn in a fixed order from one seeded {@link Random}, so a
     * seed replays the same market: the same symbols, walks, sides, sizes, bursts and faults.
     */
    static final class Generator {
        /** VN30 members (late 2024) and their rough prices, in hundredths of a thousand VND. */
        private static final String[] NAMES = {
            "ACB", "BCM", "BID", "BVH", "CTG", "FPT", "GAS", "GVR", "HDB", "HPG",
            "MBB", "MSN", "MWG", "PLX", "POW", "SAB", "SHB", "SSB", "SSI", "STB",
            "TCB", "TPB", "VCB", "VHM", "VIB", "VIC", "VJC", "VNM", "VPB", "VRE",
            // Beyond VN30: other liquid HOSE names.
            "DGC", "DIG", "DXG", "EIB", "FRT", "GEX", "HCM", "HSG", "KBC", "KDH",
            "LPB", "NLG", "NVL", "PDR", "PNJ", "REE", "VCI", "VIX", "VND", "HAG"
        };

        private static final long[] PRICES = {
            2450, 6500, 4700, 4000, 3400, 13500, 6800, 3000, 2600, 2650,
            2350, 7200, 6000, 3800, 1200, 5500, 1050, 1700, 2600, 3400,
            2300, 1650, 9200, 4200, 1850, 4100, 10000, 6300, 1900, 1750,
            10500, 2400, 1600, 1900, 17000, 2000, 2800, 1750, 2900, 3300,
            1500, 4200, 1050, 1300, 9500, 6600, 3400, 1250, 1500, 1050
        };
        private static final int INDEX_MEMBERS = 30;
        private static final BigDecimal INDEX_BASE = new BigDecimal("1300.00");

        private final Random rng;
        private final Faults faults;
        private final List<Stock> stocks = new ArrayList<>();
        private final double[] cumulativeActivity;
        private final BigDecimal indexDivisor;

        /** Ticks left in the current burst, and the stock it is about; 0 when calm. */
        private int burstLeft;
        /** Futures minus index, in hundredths of a point; a slow random walk around 8 points. */
        private long basis = 800;

        private long futuresSeq;
        /** Per stock: foreign buy qty, sell qty, buy value, sell value today; the day they are for. */
        private long[][] foreign;

        private int foreignDay = -1;
        private Stock burstStock;
        private double burstActivity = 1;

        Generator(long seed, int symbolCount, Faults faults) {
            if (symbolCount < 1) {
                throw new IllegalArgumentException("symbolCount must be at least 1");
            }
            this.rng = new Random(seed);
            this.faults = faults;
            List<Integer> ranks = new ArrayList<>();
            for (int i = 0; i < symbolCount; i++) {
                ranks.add(i);
            }
            Collections.shuffle(ranks, rng);
            for (int i = 0; i < symbolCount; i++) {
                String name = i < NAMES.length ? NAMES[i] : String.format("SIM%03d", i + 1);
                long reference = i < PRICES.length ? PRICES[i] : roundToTick(1000 + rng.nextInt(9000), true);
                // Zipf-like over a seeded ranking: a few names take most of the volume, as on any exchange.
                double activity = 1.0 / (1 + ranks.get(i));
                long shares = 500 + rng.nextInt(5000);
                stocks.add(new Stock(name, reference, activity, shares));
            }
            cumulativeActivity = new double[stocks.size()];
            double sum = 0;
            for (int i = 0; i < stocks.size(); i++) {
                sum += stocks.get(i).activity;
                cumulativeActivity[i] = sum;
            }
            // Base-valued like a real index: it starts at INDEX_BASE and moves with the members.
            indexDivisor = new BigDecimal(capitalisation(true)).divide(INDEX_BASE, 12, RoundingMode.HALF_UP);
        }

        List<String> symbols() {
            List<String> names = new ArrayList<>();
            for (Stock s : stocks) {
                names.add(s.symbol);
            }
            return Collections.unmodifiableList(names);
        }

        List<Stock> stocks() {
            return Collections.unmodifiableList(stocks);
        }

        /** How much busier than usual the market is now: above 1 during a burst. */
        double activity() {
            return burstLeft > 0 ? burstActivity : 1;
        }

        Trade nextTrade() {
            if (burstLeft > 0) {
                burstLeft--;
            } else if (rng.nextInt(10_000) == 0) {
                // News on one name, about once a minute at the default rate: several times the
                // usual flow for a few seconds.
                burstLeft = 1000 + rng.nextInt(3000);
                burstStock = pickStock();
                burstActivity = 3 + rng.nextInt(6);
            }
            Stock s = burstLeft > 0 && rng.nextInt(10) < 7 ? burstStock : pickStock();

            // Random walk in whole ticks, pulled back towards the reference price.
            long tick = tickSize(s.last);
            double drift = (double) (s.reference - s.last) / s.reference; // about -0.07..0.07
            double u = rng.nextDouble() + drift * 2;
            int move = u < 0.02 ? -2 : u < 0.20 ? -1 : u < 0.80 ? 0 : u < 0.98 ? 1 : 2;
            long price = roundToTick(Math.max(s.floor, Math.min(s.ceiling, s.last + move * tick)), move > 0);
            price = Math.max(s.floor, Math.min(s.ceiling, price));

            // Buyers lift the ask on up-ticks, sellers hit the bid on down-ticks.
            double buyProbability = move > 0 ? 0.8 : move < 0 ? 0.2 : 0.5;
            char side = rng.nextDouble() < buyProbability ? 'B' : 'S';
            long spread = tickSize(price) * (rng.nextInt(5) == 0 ? 2 : 1);
            long bid = side == 'B' ? price - spread : price;
            long ask = side == 'B' ? price : price + spread;
            if (bid <= 0) {
                bid = price;
                ask = price + spread;
            }
            s.last = price;

            // Lognormal lot counts: mostly a few lots, now and then a block trade.
            double sizeBoost = burstLeft > 0 && s == burstStock ? 1.0 : 0.0;
            long lots = Math.max(1, Math.min(5000, Math.round(Math.exp(1.0 + sizeBoost + rng.nextGaussian() * 1.2))));

            int form = rng.nextInt(100);
            boolean withSide = form < 50; // 35 side and quote, 15 side only
            boolean withQuote = form < 35 || (form >= 50 && form < 80); // 30 quote only, 20 neither
            boolean epochMillis = rng.nextInt(10) < 3;

            double f = rng.nextDouble();
            Fault fault;
            if (f < faults.malformedShare()) {
                fault = Fault.MALFORMED;
            } else if (f < faults.malformedShare() + faults.duplicateShare()) {
                fault = Fault.DUPLICATE;
            } else if (f < faults.malformedShare() + faults.duplicateShare() + faults.delayedShare()) {
                fault = Fault.DELAYED;
            } else {
                fault = Fault.NONE;
            }
            Malformation malformation = Malformation.values()[rng.nextInt(Malformation.values().length)];
            int holdMillis = fault == Fault.DUPLICATE ? rng.nextInt(1000) : 500 + rng.nextInt(2501);
            return new Trade(
                    s,
                    ++s.seq,
                    price,
                    lots,
                    side,
                    bid,
                    ask,
                    withSide,
                    withQuote,
                    epochMillis,
                    fault,
                    malformation,
                    holdMillis);
        }

        private Stock pickStock() {
            double x = rng.nextDouble() * cumulativeActivity[cumulativeActivity.length - 1];
            int i = Arrays.binarySearch(cumulativeActivity, x);
            return stocks.get(i >= 0 ? i : Math.min(-i - 1, stocks.size() - 1));
        }

        /** {seq, price in hundredths, qty}: the index plus a drifting basis, on a 0.1-point grid. */
        long[] nextFuturesTrade() {
            basis += rng.nextInt(21) - 10 + (800 - basis) / 50;
            long index = indexValue().movePointRight(2).longValueExact();
            long price = Math.round((index + basis) / 10.0) * 10;
            return new long[] {++futuresSeq, price, 1 + rng.nextInt(30)};
        }

        /** {symbol, JSON} for about a third of the stocks; counters restart when {@code day} changes. */
        List<String[]> nextFlowSnapshots(int day, String ts) {
            if (day != foreignDay) {
                foreignDay = day;
                foreign = new long[stocks.size()][4];
            }
            List<String[]> out = new ArrayList<>();
            for (int i = 0; i < stocks.size(); i++) {
                if (rng.nextInt(3) != 0) {
                    continue;
                }
                Stock s = stocks.get(i);
                long[] f = foreign[i];
                long buy = 100L * rng.nextInt(50);
                long sell = 100L * rng.nextInt(50);
                f[0] += buy;
                f[1] += sell;
                f[2] += buy * s.last * 10; // VND: prices are in tens of VND
                f[3] += sell * s.last * 10;
                // Now and then a stale server after a reconnect: buying behind the live counter.
                boolean stale = rng.nextInt(500) == 0 && f[0] >= 1_000;
                long shownBuy = stale ? f[0] - 1_000 : f[0];
                StringBuilder json = new StringBuilder(160)
                        .append("{\"symbol\":\"")
                        .append(s.symbol)
                        .append("\",\"ts\":\"")
                        .append(ts)
                        .append("\",\"buy_qty\":")
                        .append(shownBuy)
                        .append(",\"sell_qty\":")
                        .append(f[1]);
                if (i % 2 == 0) {
                    json.append(",\"buy_value\":")
                            .append(stale ? Math.max(0, f[2] - 1_000 * s.last * 10) : f[2])
                            .append(",\"sell_value\":")
                            .append(f[3]);
                }
                out.add(new String[] {s.symbol, json.append('}').toString()});
            }
            return out;
        }

        /** The VN30-style index over the first 30 stocks: base value times capitalisation change. */
        BigDecimal indexValue() {
            return new BigDecimal(capitalisation(false)).divide(indexDivisor, 2, RoundingMode.HALF_UP);
        }

        private long capitalisation(boolean atReference) {
            long cap = 0;
            for (int i = 0; i < Math.min(INDEX_MEMBERS, stocks.size()); i++) {
                Stock s = stocks.get(i);
                cap += (atReference ? s.reference : s.last) * s.indexShares;
            }
            return cap;
        }
    }
}
