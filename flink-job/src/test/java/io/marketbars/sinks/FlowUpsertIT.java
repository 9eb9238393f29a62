package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.FlowBar;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code foreign_flow_1m} upsert's version guard against a real PostgreSQL: a corrected
 * snapshot changes a minute without changing any count, so the snapshot revision orders versions.
 */
class FlowUpsertIT {
    private static final long BUCKET = 1_733_105_700_000L;

    private Connection c;

    @BeforeEach
    void database() throws SQLException {
        c = DriverManager.getConnection(UpsertBatches.database());
    }

    @AfterEach
    void close() throws SQLException {
        c.close();
    }

    /** A version from {@code snapshots} snapshots of the minute, computed after {@code revision} admitted snapshots. */
    private static FlowBar version(String buy, int snapshots, long revision) {
        FlowBar b = new FlowBar();
        b.symbol = "HDB";
        b.bucketStartMillis = BUCKET;
        b.tradingDay = (int) (BUCKET / 86_400_000L);
        b.buyQty = new BigDecimal(buy);
        b.sellQty = new BigDecimal("100");
        b.netQty = b.buyQty.subtract(b.sellQty);
        b.dayBuyQty = b.buyQty;
        b.daySellQty = b.sellQty;
        b.snapshotCount = snapshots;
        b.lastSnapshotMicros = BUCKET * 1000 + 30_000_000;
        b.snapshotRevision = revision;
        return b;
    }

    private void write(int epoch, FlowBar... versions) throws SQLException {
        UpsertBatches.write(c, new FlowUpsert.Statement(epoch), FlowUpsert.UPSERT, versions);
    }

    private String stored() throws SQLException {
        try (ResultSet rs = c.createStatement()
                .executeQuery(
                        "SELECT buy_qty::text, snapshot_count, snapshot_revision, revision_epoch FROM foreign_flow_1m")) {
            assertThat(rs.next()).isTrue();
            String row = rs.getString(1) + " n=" + rs.getInt(2) + " rev=" + rs.getLong(3) + " epoch=" + rs.getInt(4);
            assertThat(rs.next()).isFalse();
            return row;
        }
    }

    @Test
    void aVersionBeforeACorrectedSnapshotNeverOverwritesTheOneAfterIt() throws Exception {
        write(0, version("1700", 2, 40));
        write(0, version("1500", 2, 41)); // a correction at the same instant: the same counts
        write(0, version("1700", 2, 40)); // the old version again: a replay, or a writer that outlived its failover
        assertThat(stored()).isEqualTo("1500 n=2 rev=41 epoch=0");
    }

    @Test
    void theSameVersionWrittenAgainLeavesTheRowAsItWas() throws Exception {
        write(0, version("1500", 2, 41));
        String first = raw();
        write(0, version("1500", 2, 41));
        assertThat(raw()).isEqualTo(first);
    }

    @Test
    void aCorrectionWithAHigherEpochReplacesTheRowEvenWithFewerSnapshotsAndAnOlderEpochNeverComesBack()
            throws Exception {
        write(0, version("1500", 3, 41));
        write(1, version("1200", 1, 5)); // the rerun drops two snapshots, and its feed starts over
        assertThat(stored()).isEqualTo("1200 n=1 rev=5 epoch=1");
        write(0, version("1900", 4, 60));
        assertThat(stored()).isEqualTo("1200 n=1 rev=5 epoch=1");
    }

    private String raw() throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT t::text FROM foreign_flow_1m t")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
