package io.marketbars.sinks;

import io.marketbars.config.JobOptions;
import io.marketbars.testing.TestServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/** One batch through an upsert's statement, binder and batch collapsing, as the sink's writer sends it. */
final class UpsertBatches {
    private UpsertBatches() {}

    /** A fresh migrated database, with the sink's JDBC URL (batch rewriting on). */
    static String database() {
        String url = TestServices.migratedDatabase("upsert");
        return JobOptions.fromArgs(
                        new String[] {
                            "--db-url",
                            url,
                            "--db-user",
                            TestServices.postgres().user()
                        },
                        Map.of())
                .sinkJdbcUrl();
    }

    @SafeVarargs
    static <T> void write(Connection c, JdbcQueryStatement<T> binder, int keyParameters, T... rows)
            throws SQLException {
        c.setAutoCommit(false); // the connector's writer batches in a transaction as well
        try (PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                c.prepareStatement(binder.query()), binder.query(), keyParameters, SinkMetrics.unregistered())) {
            for (T row : List.of(rows)) {
                binder.statement(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        }
    }
}
