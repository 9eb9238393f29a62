package io.marketbars.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Watches {@code ohlcv_1m} from another thread and notes when a run's results are complete: the
 * expected bars holding every tick. A bounded Flink job writes its last bars when its input ends
 * but returns from {@code execute} only after one more checkpoint (the dead-letter sink's final
 * transaction is committed with it), and Flink 2.2 does not trigger that checkpoint at once: it
 * waits for the next periodic one, anywhere from 0 to the interval later (FLINK-28386 proposes an
 * immediate one). That wait is reported apart; the time to complete results is what compares with
 * the single thread, whose run ends when its COPY does.
 */
final class ResultsComplete implements AutoCloseable {
    private static final long POLL_MILLIS = 50;

    private final Thread watcher;
    private final long startNanos;
    private volatile long completeNanos = -1;
    private volatile Exception failure;

    private ResultsComplete(String dbUrl, long bars, long ticks) {
        startNanos = System.nanoTime();
        watcher = new Thread(() -> watch(dbUrl, bars, ticks), "results-complete");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Starts watching now; the table must not hold the expected result yet. */
    static ResultsComplete watch(String dbUrl, TickGenerator.Produced expected) {
        return new ResultsComplete(dbUrl, expected.bars(), expected.ticks());
    }

    private void watch(String dbUrl, long bars, long ticks) {
        try (Connection c = DriverManager.getConnection(dbUrl);
                Statement s = c.createStatement()) {
            while (!Thread.currentThread().isInterrupted()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(trade_count), 0) FROM ohlcv_1m")) {
                    rs.next();
                    if (rs.getLong(1) == bars && rs.getLong(2) == ticks) {
                        completeNanos = System.nanoTime();
                        return;
                    }
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
        }
    }

    /** Seconds from the start of watching until the results were complete; waits up to 10 s for the watcher. */
    double seconds() throws Exception {
        watcher.join(10_000);
        if (failure != null) {
            throw failure;
        }
        if (completeNanos < 0) {
            throw new IllegalStateException("the run ended without complete results in ohlcv_1m");
        }
        return (completeNanos - startNanos) / 1e9;
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
