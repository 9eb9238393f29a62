package io.marketbars.sinks;

import io.marketbars.config.JobOptions;
import io.marketbars.records.Bar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The job's way into {@code ohlcv_1m}, for schema tests in other packages: the real sink, or its statement path. */
public final class JobUpserts {
    private JobUpserts() {}

    /**
     * The production JDBC sink ({@link BarUpsert#sink}) on a local Flink at parallelism 1: one connection. The
     * password goes the production way, through a file named by {@value JobOptions#DB_PASSWORD_FILE_ENV}, and out of
     * the URL (the job refuses {@code password=} there).
     */
    public static void throughFlinkSink(String dbUrl, String user, String password, List<Bar> bars) throws Exception {
        Path passwordFile = Files.createTempFile("db-password", "");
        try {
            Files.writeString(passwordFile, password);
            JobOptions options = JobOptions.fromArgs(
                    new String[] {"--db-url", withoutPassword(dbUrl), "--db-user", user},
                    Map.of(JobOptions.DB_PASSWORD_FILE_ENV, passwordFile.toString()));
            write(options, bars);
        } finally {
            Files.deleteIfExists(passwordFile);
        }
    }

    static String withoutPassword(String url) {
        return url.replaceAll("(?i)([?&])password=[^&]*&?", "$1").replaceAll("[?&]$", "");
    }

    /** The production JDBC sink on a local Flink with the caller's options. */
    static void write(JobOptions options, List<Bar> bars) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.fromData(bars, TypeInformation.of(Bar.class))
                .name("Bars")
                .sinkTo(BarUpsert.sink(options))
                .uid("schema-test-sink")
                .name("Upsert " + BarUpsert.TABLE);
        env.execute("schema test upserts");
    }

    /** The sink's statement, binder and batch collapsing on a connection the caller holds (e.g. after SET ROLE). */
    public static void onConnection(Connection c, List<Bar> bars) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement ps = CollapsingConnectionProvider.collapsing(
                c.prepareStatement(BarUpsert.SQL),
                BarUpsert.SQL,
                BarUpsert.KEY_PARAMETERS,
                BarUpsert.UPSERT.columnTypes(),
                SinkMetrics.unregistered())) {
            BarUpsert.Statement binder = new BarUpsert.Statement();
            for (Bar b : bars) {
                binder.statement(ps, b);
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
