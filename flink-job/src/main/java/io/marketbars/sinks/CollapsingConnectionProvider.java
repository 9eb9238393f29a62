package io.marketbars.sinks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection provider for the JDBC sink whose upsert statement keeps only the newest version of
 * each row per batch.
 *
 * <p>Why: with pgjdbc's {@code reWriteBatchedInserts}, a batch becomes one multi-row
 * {@code INSERT ... ON CONFLICT DO UPDATE}, and PostgreSQL refuses a statement that touches the
 * same row twice ("ON CONFLICT DO UPDATE command cannot affect row a second time"). A bar updated
 * by a late tick can appear twice in one batch. The connector's DataStream sink has no hook to
 * reduce a batch by key, so the statement itself does it: parameters set between two
 * {@code addBatch()} calls are recorded as a row, rows with equal key parameters replace each
 * other (last wins, since the sink writes versions in order), and {@code executeBatch()} replays
 * the surviving rows onto the real statement.
 *
 * <p>A batch the database refuses is counted in {@link SinkMetrics}, logged once per attempt with
 * its SQLState and the server's message, and rethrown with that message first, so the job's
 * exception history (the Web UI's Exceptions tab) says what the database said, not only the
 * connector's "Writing records to JDBC failed".
 */
public final class CollapsingConnectionProvider implements JdbcConnectionProvider {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CollapsingConnectionProvider.class);

    private final JdbcConnectionProvider delegate;
    private final String collapsedSql;
    private final int keyParameters;
    /** Set by {@link MeteredJdbcSink} in each subtask before the writer opens a connection. */
    private transient volatile SinkMetrics metrics;

    public CollapsingConnectionProvider(JdbcConnectionProvider delegate, String collapsedSql, int keyParameters) {
        this.delegate = delegate;
        this.collapsedSql = collapsedSql;
        this.keyParameters = keyParameters;
    }

    void bindMetrics(SinkMetrics metrics) {
        this.metrics = metrics;
    }

    private SinkMetrics metrics() {
        SinkMetrics m = metrics;
        return m == null ? SinkMetrics.unregistered() : m;
    }

    @Override
    public Connection getConnection() {
        Connection c = delegate.getConnection();
        return c == null ? null : wrap(c);
    }

    @Override
    public Properties getProperties() {
        return delegate.getProperties();
    }

    @Override
    public boolean isConnectionValid() throws SQLException {
        return delegate.isConnectionValid();
    }

    @Override
    public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
        return wrap(delegate.getOrEstablishConnection());
    }

    @Override
    public void closeConnection() {
        delegate.closeConnection();
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
        return wrap(delegate.reestablishConnection());
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }

    private Connection wrap(Connection connection) {
        return (Connection) Proxy.newProxyInstance(
                CollapsingConnectionProvider.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(connection, method, args);
                    if ("prepareStatement".equals(method.getName())
                            && args != null
                            && args.length == 1
                            && collapsedSql.equals(args[0])) {
                        return collapsing((PreparedStatement) result, collapsedSql, keyParameters, metrics());
                    }
                    return result;
                });
    }

    /** @param sql the statement's text, {@code INSERT INTO <table> ...}: failures name the table */
    static PreparedStatement collapsing(PreparedStatement target, String sql, int keyParameters, SinkMetrics metrics) {
        return (PreparedStatement) Proxy.newProxyInstance(
                CollapsingConnectionProvider.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                new CollapsingBatch(target, sql.split(" ", 4)[2], keyParameters, metrics));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The recording statement: one pending row of setter calls, and the batch keyed by row key. */
    private static final class CollapsingBatch implements InvocationHandler {
        private final PreparedStatement target;
        private final String table;
        private final int keyParameters;
        private final SinkMetrics metrics;
        private final Map<List<Object>, List<Object[]>> rows = new LinkedHashMap<>();
        private List<Object[]> current = new ArrayList<>();
        private Object[] currentKey;
        private int added;

        CollapsingBatch(PreparedStatement target, String table, int keyParameters, SinkMetrics metrics) {
            this.target = target;
            this.table = table;
            this.keyParameters = keyParameters;
            this.metrics = metrics;
            this.currentKey = new Object[keyParameters];
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
                int index = (Integer) args[0];
                if (index <= keyParameters) {
                    currentKey[index - 1] = args[1];
                }
                current.add(new Object[] {method, args});
                return null;
            }
            switch (name) {
                case "addBatch":
                    if (args == null) {
                        rows.put(Arrays.asList(currentKey), current);
                        current = new ArrayList<>();
                        currentKey = new Object[keyParameters];
                        added++;
                        return null;
                    }
                    break;
                case "clearBatch":
                    rows.clear();
                    current = new ArrayList<>();
                    added = 0;
                    break;
                case "executeBatch":
                    return executeBatch();
                default:
                    break;
            }
            return CollapsingConnectionProvider.invoke(target, method, args);
        }

        private int[] executeBatch() throws Throwable {
            try {
                for (List<Object[]> row : rows.values()) {
                    for (Object[] call : row) {
                        CollapsingConnectionProvider.invoke(target, (Method) call[0], (Object[]) call[1]);
                    }
                    target.addBatch();
                }
                int[] counts = new int[0];
                if (!rows.isEmpty()) {
                    long started = System.nanoTime();
                    try {
                        counts = target.executeBatch();
                    } catch (SQLException e) {
                        throw refused(e, table, rows.size(), metrics.batchFailed());
                    }
                    metrics.batchExecuted(System.nanoTime() - started, rows.size());
                }
                // The caller expects one count per addBatch(); collapsed versions report "no info".
                int[] result = new int[added];
                Arrays.fill(result, java.sql.Statement.SUCCESS_NO_INFO);
                System.arraycopy(counts, 0, result, 0, Math.min(counts.length, added));
                return result;
            } finally {
                rows.clear();
                added = 0;
                // A setter that threw half-way must not leave a partial row for the retry.
                target.clearBatch();
            }
        }
    }

    /**
     * The server's own error (pgjdbc hides it behind a BatchUpdateException that quotes the whole
     * statement), logged and wrapped with the table and attempt count; the original stays the cause.
     */
    static SQLException refused(SQLException e, String table, int rows, long inARow) {
        SQLException server = e.getNextException() != null ? e.getNextException() : e;
        String message = "Upsert of " + rows + " rows into " + table + " refused by the database (SQLState "
                + server.getSQLState() + ", " + inARow + " failed attempts in a row): " + server.getMessage();
        LOG.warn(message);
        return new SQLException(message, server.getSQLState(), e);
    }
}
