package io.marketbars.sources;

import io.marketbars.records.Timestamped;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Per-partition event-time watermarks with bounded out-of-orderness, hardened for market feeds:
 * trades, index values and foreign-flow snapshots alike.
 *
 * <ul>
 *   <li>Rejected records do not move the watermark, and neither does a tick that jumps more than
 *       {@code maxClockJump} ahead of the partition until the next tick confirms the jump (a new
 *       session does; a single bad clock does not), so one wrong timestamp cannot make every
 *       following tick late.
 *   <li>Live mode: once a partition has been quiet for {@code idleTimeout}, its watermark moves on
 *       with the wall clock. Flink's idleness alone cannot close the last bar before a lunch break:
 *       when every partition is idle the watermark stops. Waiting for the idle timeout first means
 *       a short stall of the reader (backpressure) does not push the watermark past unread ticks.
 *       A partition that has seen no tick since the job started follows the wall clock too, so a
 *       job restored during a quiet period still closes its bars.
 *   <li>Replay mode: no wall clock and no idleness, so the result depends only on the topic's
 *       content; the bounded source emits the final watermark at the end of input.
 * </ul>
 */
public final class TickWatermarks<T extends Timestamped> implements WatermarkGenerator<T> {

    private final long boundMillis;
    private final long maxClockJumpMillis;
    private final long idleTimeoutMillis;
    private final boolean live;

    /** Wall clock (epoch ms) and a monotonic clock (ns); replaceable so tests need not sleep. */
    private final LongSupplier wallClockMillis;
    private final LongSupplier monotonicNanos;

    private long maxTimestamp = Long.MIN_VALUE;
    private long suspect = Long.MIN_VALUE;
    private long lastEventNanos;
    private long lastEmitted = Long.MIN_VALUE;

    TickWatermarks(Duration bound, Duration maxClockJump, Duration idleTimeout, boolean live) {
        this(bound, maxClockJump, idleTimeout, live, System::currentTimeMillis, System::nanoTime);
    }

    TickWatermarks(Duration bound, Duration maxClockJump, Duration idleTimeout, boolean live,
            LongSupplier wallClockMillis, LongSupplier monotonicNanos) {
        this.boundMillis = bound.toMillis();
        this.maxClockJumpMillis = maxClockJump.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
        this.live = live;
        this.wallClockMillis = wallClockMillis;
        this.monotonicNanos = monotonicNanos;
        this.lastEventNanos = monotonicNanos.getAsLong();
    }

    /**
     * The strategy for the trades source. No split-level watermark alignment: with the Kafka
     * connector 5.0.0-2.2 it fails the source with "No current assignment for partition" when it
     * pauses a partition that a bounded replay has already finished. Lateness does not depend on
     * it: see {@code OrderAndDeduplicate} for the per-symbol watermark that makes it deterministic.
     */
    public static <T extends Timestamped> WatermarkStrategy<T> strategy(
            Duration bound, Duration maxClockJump, Duration idleTimeout, boolean live) {
        return WatermarkStrategy.<T>forGenerator(ctx -> new TickWatermarks<>(bound, maxClockJump, idleTimeout, live))
                .withTimestampAssigner((r, kafkaTs) -> r.isRejected() ? kafkaTs : r.tsMillis());
    }

    @Override
    public void onEvent(T record, long eventTimestamp, WatermarkOutput output) {
        if (record.isRejected()) {
            return;
        }
        lastEventNanos = monotonicNanos.getAsLong();
        maxTimestamp = ClockJumps.advance(maxTimestamp, suspect, eventTimestamp, maxClockJumpMillis);
        suspect = ClockJumps.suspectAfter(maxTimestamp, eventTimestamp, maxClockJumpMillis);
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long wm;
        if (live) {
            long quietMillis = (monotonicNanos.getAsLong() - lastEventNanos) / 1_000_000L;
            if (maxTimestamp == Long.MIN_VALUE) {
                if (quietMillis < idleTimeoutMillis) {
                    return;
                }
                wm = wallClockMillis.getAsLong() - boundMillis - idleTimeoutMillis;
            } else {
                wm = maxTimestamp - boundMillis - 1 + Math.max(0, quietMillis - idleTimeoutMillis);
            }
        } else {
            if (maxTimestamp == Long.MIN_VALUE) {
                return;
            }
            wm = maxTimestamp - boundMillis - 1;
        }
        if (wm > lastEmitted) {
            lastEmitted = wm;
            output.emitWatermark(new Watermark(wm));
        }
    }
}
