package io.marketbars.sources;

import io.marketbars.common.ClockJumps;
import io.marketbars.common.EventTimePolicy;
import io.marketbars.records.Timestamped;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Per-partition event-time watermarks with bounded out-of-orderness, hardened for market feeds:
 * trades, index values and foreign-flow snapshots alike.
 *
 * <ul>
 *   <li>Rejected records do not move the watermark, and neither does a tick that jumps more than
 *       {@code maxClockJump} ahead of the partition until the next tick confirms the jump (a new
 *       session does; a single bad clock does not), so one wrong timestamp cannot make every
 *       following tick late.
 *   <li>Live mode: a partition's watermark follows the wall clock (moves on at its rate from where
 *       the partition's ticks left it) only while the partition is <em>caught up</em>, that is
 *       read to its end ({@link CatchUpTracker}), and nothing new has come for {@code idleTimeout}.
 *       Quiet is measured on Flink's input activity clock, which stops while the source is
 *       backpressured or paused. So a backlog is read in event time, exactly like a replay,
 *       whatever left it there (a start, a restore, an outage, a slow sink), while the last bar
 *       before a lunch break or the close still closes when the market goes quiet: Flink's
 *       idleness alone cannot do that, since when every partition is idle the watermark stops.
 *   <li>A generator that has seen no valid record never moves the watermark. Once its input is
 *       caught up and quiet for the idle timeout it marks itself idle, so a reader without
 *       partitions, or with empty ones, does not hold back the others: that is the generator of
 *       the source's main output (Kafka records flow through the per-partition ones), and a
 *       partition that has carried only rejected records.
 *   <li>Replay mode: no wall clock and no idleness, so the result depends only on the topic's
 *       content; the bounded source emits the final watermark at the end of input.
 * </ul>
 */
public final class TickWatermarks<T extends Timestamped> implements WatermarkGenerator<T> {

    private final long boundMillis;
    private final long maxClockJumpMillis;
    private final long idleTimeoutMillis;
    /** Stops while the source is backpressured or paused: quiet is only counted while reading. */
    private final RelativeClock activityClock;
    /** What the reader knows of its partitions' ends; null in replay mode (never follow the clock). */
    private final CatchUpTracker catchUp;

    /** The partition this generator's records come from; null until the first (always, for the main output). */
    private CatchUpTracker.Partition partition;

    private long maxTimestamp = Long.MIN_VALUE;
    private long suspect = Long.MIN_VALUE;
    private long lastEventMillis;
    /** Activity-clock time since which the watermark follows the clock; MIN_VALUE when it does not. */
    private long followingSinceMillis = Long.MIN_VALUE;

    private long followingFrom;
    private long lastEmitted = Long.MIN_VALUE;
    private boolean idle;

    TickWatermarks(
            Duration bound,
            Duration maxClockJump,
            Duration idleTimeout,
            RelativeClock activityClock,
            CatchUpTracker catchUp) {
        this.boundMillis = bound.toMillis();
        this.maxClockJumpMillis = maxClockJump.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
        this.activityClock = activityClock;
        this.catchUp = catchUp;
        this.lastEventMillis = activityClock.relativeTimeMillis();
    }

    /** The job's strategy: the bounds of {@code policy}; in live mode, quiet caught-up partitions follow the clock. */
    public static <T extends Timestamped> WatermarkStrategy<T> strategy(EventTimePolicy policy, boolean live) {
        return strategy(policy.outOfOrderness(), policy.maxClockJump(), policy.idleTimeout(), live);
    }

    /**
     * The strategy for a feed's source. In live mode the generators use the {@link CatchUpTracker}
     * of the reader that feeds them ({@link CatchUpKafkaSource}); a source without one never
     * follows the wall clock. No split-level watermark alignment: with the Kafka connector
     * 5.0.0-2.2 it fails the source with "No current assignment for partition" when it pauses a
     * partition that a bounded replay has already finished. Lateness does not depend on it: see
     * {@code OrderAndDeduplicate} for the per-symbol watermark that makes it deterministic.
     */
    public static <T extends Timestamped> WatermarkStrategy<T> strategy(
            Duration bound, Duration maxClockJump, Duration idleTimeout, boolean live) {
        return WatermarkStrategy.<T>forGenerator(ctx -> new TickWatermarks<>(
                        bound,
                        maxClockJump,
                        idleTimeout,
                        ctx.getInputActivityClock(),
                        live ? CatchUpTracker.ofCurrentThread() : null))
                .withTimestampAssigner((r, kafkaTs) -> r.isRejected() ? kafkaTs : r.tsMillis());
    }

    @Override
    public void onEvent(T record, long eventTimestamp, WatermarkOutput output) {
        if (catchUp != null) {
            if (partition == null) {
                partition = catchUp.partition(record.partition());
            }
            partition.read(record.offset());
        }
        if (record.isRejected()) {
            return;
        }
        lastEventMillis = activityClock.relativeTimeMillis();
        followingSinceMillis = Long.MIN_VALUE;
        idle = false;
        maxTimestamp = ClockJumps.advance(maxTimestamp, suspect, eventTimestamp, maxClockJumpMillis);
        suspect = ClockJumps.suspectAfter(maxTimestamp, eventTimestamp, maxClockJumpMillis);
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = activityClock.relativeTimeMillis();
        boolean quietAndCaughtUp = catchUp != null
                && now - lastEventMillis >= idleTimeoutMillis
                && (partition == null ? catchUp.allCaughtUp() : catchUp.caughtUp(partition));
        if (maxTimestamp == Long.MIN_VALUE) {
            if (quietAndCaughtUp && !idle) {
                idle = true;
                output.markIdle();
            }
            return;
        }
        long wm = maxTimestamp - boundMillis - 1;
        if (quietAndCaughtUp) {
            if (followingSinceMillis == Long.MIN_VALUE) {
                followingSinceMillis = now;
                followingFrom = Math.max(wm, lastEmitted);
            }
            wm = Math.max(wm, followingFrom + (now - followingSinceMillis));
        } else {
            followingSinceMillis = Long.MIN_VALUE;
        }
        if (wm > lastEmitted) {
            lastEmitted = wm;
            output.emitWatermark(new Watermark(wm));
        }
    }
}
