package io.marketbars.sinks;

import io.marketbars.testing.TestServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** One batch through an upsert's statement, binder and batch collapsing, as the sink's writer sends it. */
final class UpsertBatches {
    private UpsertBatches() {}

    /** A fresh migrated database. */
    static String database() {
        return TestServices.migratedDatabase("upsert");
    }

    @SafeVarargs
    static <T> void write(Connection c, Upsert.Statement<T> binder, Upsert<T> upsert, T... rows) throws SQLException {
        c.setAutoCommit(false); // the connector's writer batches in a transaction as well
        try (PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                c.prepareStatement(binder.query()),
                binder.query(),
                upsert.keyParameters(),
                upsert.columnTypes(),
                SinkMetrics.unregistered())) {
            for (T row : List.of(rows)) {
                binder.statement(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        }
    }
}
