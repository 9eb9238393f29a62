package io.marketbars.sinks;

import io.marketbars.config.JobOptions;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * The one way every bar table is written: the Flink JDBC connector's sink ({@link MeteredJdbcSink},
 * with batch metrics), at-least-once, with idempotent upserts, batches flushed by size, by time and before every checkpoint barrier,
 * versions of one row within a batch collapsed, and each batch sent as one statement of column arrays (see
 * {@link CollapsingConnectionProvider}). The password is
 * not in the sink: {@link ResolvingPasswordProvider} reads it on the TaskManager when it connects.
 */
public final class JdbcUpserts {
    private JdbcUpserts() {}

    /**
     * @param keyParameters how many leading statement parameters identify a row (the primary key)
     * @param columnTypes each statement parameter's column type: batches go out as one array per column
     */
    public static <T> MeteredJdbcSink<T> sink(
            JobOptions options, JdbcQueryStatement<T> statement, int keyParameters, List<ColumnType> columnTypes) {
        JdbcConnectionOptions connection = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(options.dbUrl)
                .withDriverName("org.postgresql.Driver")
                .withUsername(options.dbUser)
                .build();
        JdbcExecutionOptions execution = JdbcExecutionOptions.builder()
                .withBatchSize(options.sinkBatchSize)
                .withBatchIntervalMs(options.sinkFlushInterval.toMillis())
                .withMaxRetries(options.sinkMaxRetries)
                .build();
        return new MeteredJdbcSink<>(
                new CollapsingConnectionProvider(
                        new ResolvingPasswordProvider(connection, options.dbPasswordLocation()),
                        statement.query(),
                        keyParameters,
                        columnTypes),
                execution,
                statement);
    }

    static OffsetDateTime millis(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    static OffsetDateTime micros(long epochMicros) {
        return OffsetDateTime.ofInstant(
                Instant.ofEpochSecond(
                        Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L),
                ZoneOffset.UTC);
    }

    /** NUMERIC parameters go in as BigDecimal, so the column stores them exactly; null as SQL NULL. */
    static void decimal(PreparedStatement ps, int i, BigDecimal v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.NUMERIC);
        } else {
            ps.setBigDecimal(i, v);
        }
    }
}
