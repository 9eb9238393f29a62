package io.marketbars.sources;

import io.marketbars.records.Tick;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Per-partition event-time watermarks with bounded out-of-orderness, hardened for market feeds.
 *
 * <ul>
 *   <li>Rejected records and ticks absurdly far ahead of the partition's progress do not move the
 *       watermark, so one bad timestamp cannot make every following tick late.
 *   <li>Live mode: once a partition goes quiet, its watermark keeps moving with the wall clock
 *       from its last tick. Flink's idleness alone cannot close the last bar before a lunch
 *       break: when every partition is idle the watermark stops. Here it moves on, so a bar is
 *       final about (out-of-orderness + sink flush) after its minute ends. A partition that never
 *       saw a tick is marked idle so it does not hold the others back.
 *   <li>Replay mode: no wall clock and no idleness, so the result depends only on the topic's
 *       content; the bounded source emits the final watermark at the end of input.
 * </ul>
 */
public final class TickWatermarks implements WatermarkGenerator<Tick> {

    private final long boundMillis;
    private final long maxAheadMillis;
    private final long idleTimeoutMillis;
    private final boolean live;

    private long maxTimestamp = Long.MIN_VALUE;
    private long lastEventNanos;
    private long lastEmitted = Long.MIN_VALUE;
    private final long createdNanos = System.nanoTime();
    private boolean idle;

    TickWatermarks(Duration bound, Duration maxAhead, Duration idleTimeout, boolean live) {
        this.boundMillis = bound.toMillis();
        this.maxAheadMillis = maxAhead.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
        this.live = live;
    }

    /**
     * The strategy for the trades source. No split-level watermark alignment: with the Kafka
     * connector 5.0.0-2.2 it fails the source with "No current assignment for partition" when it
     * pauses a partition that a bounded replay has already finished. Lateness does not depend on
     * it: see {@code OrderAndDeduplicate} for the per-symbol watermark that makes it deterministic.
     */
    public static WatermarkStrategy<Tick> strategy(
            Duration bound, Duration maxAhead, Duration idleTimeout, boolean live) {
        return WatermarkStrategy.<Tick>forGenerator(ctx -> new TickWatermarks(bound, maxAhead, idleTimeout, live))
                .withTimestampAssigner((tick, kafkaTs) -> tick.isRejected() ? kafkaTs : tick.tsMillis());
    }

    @Override
    public void onEvent(Tick tick, long eventTimestamp, WatermarkOutput output) {
        if (tick.isRejected()) {
            return;
        }
        if (maxTimestamp != Long.MIN_VALUE && eventTimestamp - maxTimestamp > maxAheadMillis) {
            return; // rejected downstream as TIMESTAMP_OUT_OF_RANGE
        }
        if (eventTimestamp > maxTimestamp) {
            maxTimestamp = eventTimestamp;
        }
        lastEventNanos = System.nanoTime();
        if (idle) {
            idle = false;
            output.markActive();
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (maxTimestamp == Long.MIN_VALUE) {
            if (live && !idle && (System.nanoTime() - createdNanos) / 1_000_000L >= idleTimeoutMillis) {
                idle = true;
                output.markIdle();
            }
            return;
        }
        long wm = maxTimestamp - boundMillis - 1;
        if (live) {
            wm += Math.max(0, (System.nanoTime() - lastEventNanos) / 1_000_000L);
        }
        if (wm > lastEmitted) {
            lastEmitted = wm;
            output.emitWatermark(new Watermark(wm));
        }
    }
}
