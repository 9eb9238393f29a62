package io.marketbars.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketbars.records.BasisBar;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code basis_1m} upsert's version guard against a real PostgreSQL: a late index value gives
 * a new version with the same trade counts, so the index revision must order it.
 */
class BasisUpsertIT {
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

    /** A version with {@code trades} joined trades, computed after {@code indexRevision} index values. */
    private static BasisBar version(String basisClose, long trades, long indexRevision) {
        BasisBar b = new BasisBar();
        b.contract = "VN30F2412";
        b.bucketStartMillis = BUCKET;
        b.underlying = "VN30";
        b.basisOpen = new BigDecimal(basisClose);
        b.basisHigh = new BigDecimal(basisClose);
        b.basisLow = new BigDecimal(basisClose);
        b.basisClose = new BigDecimal(basisClose);
        b.futuresClose = new BigDecimal("1306.8");
        b.indexClose = new BigDecimal("1306.8").subtract(b.basisClose);
        b.indexCloseMicros = BUCKET * 1000 + 1_000_000;
        b.basisCloseBps = BigDecimal.ONE;
        b.joinedCount = trades;
        b.firstTradeMicros = BUCKET * 1000 + 2_000_000;
        b.lastTradeMicros = BUCKET * 1000 + 3_000_000;
        b.indexRevision = indexRevision;
        return b;
    }

    private void write(int epoch, BasisBar... versions) throws SQLException {
        UpsertBatches.write(c, new BasisUpsert.Statement(epoch), BasisUpsert.UPSERT, versions);
    }

    private String stored() throws SQLException {
        try (ResultSet rs = c.createStatement()
                .executeQuery(
                        "SELECT basis_close::text, joined_count + unjoined_count, index_revision, revision_epoch FROM basis_1m")) {
            assertThat(rs.next()).isTrue();
            String row = rs.getString(1) + " n=" + rs.getLong(2) + " idx=" + rs.getLong(3) + " epoch=" + rs.getInt(4);
            assertThat(rs.next()).isFalse();
            return row;
        }
    }

    @Test
    void aVersionBeforeALateIndexValueNeverOverwritesTheOneAfterIt() throws Exception {
        write(0, version("8.10", 3, 7));
        write(0, version("8.60", 3, 9)); // a late index value changed the basis, not the trades
        write(0, version("8.10", 3, 7)); // the old version again: a replay, or a writer that outlived its failover
        assertThat(stored()).isEqualTo("8.60 n=3 idx=9 epoch=0");
    }

    @Test
    void moreTradesWinWhateverTheIndexRevision() throws Exception {
        write(0, version("8.60", 3, 9));
        write(0, version("8.20", 2, 12)); // fewer trades: an older version of the minute
        assertThat(stored()).isEqualTo("8.60 n=3 idx=9 epoch=0");
        write(0, version("8.30", 4, 8)); // the final trades, computed before the index feed got further
        assertThat(stored()).isEqualTo("8.30 n=4 idx=8 epoch=0");
    }

    @Test
    void theSameVersionWrittenAgainLeavesTheRowAsItWas() throws Exception {
        write(0, version("8.60", 3, 9));
        String first = raw();
        write(0, version("8.60", 3, 9));
        assertThat(raw()).isEqualTo(first);
    }

    @Test
    void aCorrectionWithAHigherEpochReplacesTheRowEvenWithFewerTradesAndAnOlderEpochNeverComesBack() throws Exception {
        write(0, version("8.60", 3, 9));
        write(1, version("8.40", 2, 1)); // the rerun rejects a trade; its index feed starts over
        assertThat(stored()).isEqualTo("8.40 n=2 idx=1 epoch=1");
        write(0, version("8.70", 5, 20));
        assertThat(stored()).isEqualTo("8.40 n=2 idx=1 epoch=1");
    }

    private String raw() throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT t::text FROM basis_1m t")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
