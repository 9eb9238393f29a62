package io.marketbars.sinks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection provider for the JDBC sink whose upsert statement sends each batch as one statement
 * of column arrays, keeping only the newest version of each row.
 *
 * <p>Why: the connector's DataStream sink binds one row at a time and calls {@code addBatch()},
 * then {@code executeBatch()}; sent as thousands of bound rows (or pgjdbc's multi-row rewrite of
 * them) that runs at a fraction of COPY's rate. The statement handed to the connector records
 * instead: parameters set between two {@code addBatch()} calls are a row, rows with equal key
 * parameters replace each other (last wins, since the sink writes versions in order: PostgreSQL
 * refuses an {@code ON CONFLICT DO UPDATE} that touches one row twice), and {@code executeBatch()}
 * binds the surviving rows column by column as arrays ({@link Upsert}'s {@code unnest} statement,
 * each array of the column's declared {@link ColumnType}) and executes the statement once.
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
    private final List<ColumnType> columnTypes;
    /** Set by {@link MeteredJdbcSink} in each subtask before the writer opens a connection. */
    private transient volatile SinkMetrics metrics;

    /**
     * @param collapsedSql the statement whose batches go out as arrays: one array parameter per column
     * @param keyParameters how many leading parameters identify a row
     * @param columnTypes each parameter's column type, in order
     */
    public CollapsingConnectionProvider(
            JdbcConnectionProvider delegate, String collapsedSql, int keyParameters, List<ColumnType> columnTypes) {
        this.delegate = delegate;
        this.collapsedSql = collapsedSql;
        this.keyParameters = keyParameters;
        this.columnTypes = List.copyOf(columnTypes);
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
                        return collapsing(
                                (PreparedStatement) result, collapsedSql, keyParameters, columnTypes, metrics());
                    }
                    return result;
                });
    }

    /** @param sql the statement's text, {@code INSERT INTO <table> ...}: failures name the table */
    static PreparedStatement collapsing(
            PreparedStatement target,
            String sql,
            int keyParameters,
            List<ColumnType> columnTypes,
            SinkMetrics metrics) {
        return (PreparedStatement) Proxy.newProxyInstance(
                CollapsingConnectionProvider.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                new CollapsingBatch(target, sql.split(" ", 4)[2], keyParameters, columnTypes, metrics));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The recording statement: one pending row of parameter values, and the batch keyed by row key. */
    private static final class CollapsingBatch implements InvocationHandler {
        private final PreparedStatement target;
        private final String table;
        private final int keyParameters;
        private final List<ColumnType> types;
        private final SinkMetrics metrics;
        private final Map<List<Object>, Object[]> rows = new LinkedHashMap<>();
        private Object[] current;
        private int added;

        CollapsingBatch(
                PreparedStatement target,
                String table,
                int keyParameters,
                List<ColumnType> types,
                SinkMetrics metrics) {
            this.target = target;
            this.table = table;
            this.keyParameters = keyParameters;
            this.types = types;
            this.metrics = metrics;
            this.current = new Object[types.size()];
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
                int index = (Integer) args[0];
                if (index < 1 || index > current.length) {
                    throw new SQLException(
                            "parameter " + index + " out of range 1.." + current.length + " for " + table);
                }
                // setNull(i, sqlType) binds NULL; every other setter's second argument is the value.
                current[index - 1] = "setNull".equals(name) ? null : args[1];
                return null;
            }
            switch (name) {
                case "addBatch":
                    if (args == null) {
                        rows.put(Arrays.asList(Arrays.copyOf(current, keyParameters)), current);
                        current = new Object[types.size()];
                        added++;
                        return null;
                    }
                    break;
                case "clearParameters":
                    current = new Object[types.size()];
                    return null;
                case "clearBatch":
                    rows.clear();
                    current = new Object[types.size()];
                    added = 0;
                    return null;
                case "executeBatch":
                    return executeBatch();
                default:
                    break;
            }
            return CollapsingConnectionProvider.invoke(target, method, args);
        }

        private int[] executeBatch() throws SQLException {
            try {
                if (!rows.isEmpty()) {
                    long started = System.nanoTime();
                    bindColumns();
                    try {
                        target.executeUpdate();
                    } catch (SQLException e) {
                        throw refused(e, table, rows.size(), metrics.batchFailed());
                    }
                    metrics.batchExecuted(System.nanoTime() - started, rows.size());
                }
                // The caller expects one count per addBatch() (the connector ignores them): the
                // statement ran once for all rows, and the guard may have skipped some, so "no info".
                int[] result = new int[added];
                Arrays.fill(result, java.sql.Statement.SUCCESS_NO_INFO);
                return result;
            } finally {
                rows.clear();
                current = new Object[types.size()];
                added = 0;
                target.clearParameters();
            }
        }

        /** Parameter {@code i} becomes the array of every row's value {@code i}, in the column's type. */
        private void bindColumns() throws SQLException {
            Connection connection = target.getConnection();
            int n = rows.size();
            for (int column = 0; column < types.size(); column++) {
                ColumnType type = types.get(column);
                Object[] elements = type.newArray(n);
                int row = 0;
                for (Object[] values : rows.values()) {
                    try {
                        elements[row++] = type.element(values[column]);
                    } catch (IllegalArgumentException e) {
                        throw new SQLException("parameter " + (column + 1) + " of " + table + ": " + e.getMessage(), e);
                    }
                }
                target.setArray(column + 1, connection.createArrayOf(type.driverName, elements));
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
