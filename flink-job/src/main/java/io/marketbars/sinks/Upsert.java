package io.marketbars.sinks;

import io.marketbars.config.JobOptions;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * One bar table's upsert, described once: the table, the key columns, the value columns (each
 * with its SQL type and how it is bound from a row), and the revision that guards the update.
 * Every table's statement is generated the same way, one statement per batch, each column bound
 * as one array:
 *
 * <pre>
 * INSERT INTO t (keys..., values..., revision_epoch)
 * SELECT unnest(?::type[]), unnest(?::type[]), ...
 * ON CONFLICT (keys...) DO UPDATE SET value = EXCLUDED.value, ..., revision_epoch = EXCLUDED.revision_epoch
 * WHERE (t.revision_epoch, t.r1, ...) &lt;= (EXCLUDED.revision_epoch, EXCLUDED.r1, ...)
 * </pre>
 *
 * <p>The connector still binds one row at a time ({@link Statement}, a scalar per parameter) and
 * calls {@code addBatch()}/{@code executeBatch()}; {@link CollapsingConnectionProvider} records the
 * rows, keeps the newest version of each key, and binds the survivors column by column as arrays of
 * the declared {@link ColumnType}s. One statement instead of thousands of bound rows: the server
 * parses, plans and checks the guard once per batch, and there is no 32,767-parameter limit.
 *
 * <p>The revision is compared lexicographically and always starts with {@code revision_epoch}
 * (the job's {@code --revision-epoch}, bound last): an older version of a row never overwrites a
 * newer one, an equal version rewrites it unchanged (idempotent), and a deliberate correction
 * with a higher epoch replaces it. The key columns are the statement's leading parameters, so a
 * batch can collapse versions of one row on them.
 */
public final class Upsert<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String EPOCH_COLUMN = "revision_epoch";
    static final ColumnType EPOCH_TYPE = ColumnType.INTEGER;

    /** Binds one column of a row as parameter {@code index}. */
    @FunctionalInterface
    public interface Column<T> extends Serializable {
        void bind(PreparedStatement ps, int index, T row) throws SQLException;
    }

    private final String table;
    private final List<Column<T>> columns;
    private final List<ColumnType> types;
    private final List<String> names;
    private final int keyColumns;
    private final String sql;
    private final String rowByRowSql;

    private Upsert(
            String table,
            List<String> names,
            List<ColumnType> declared,
            List<Column<T>> columns,
            int keyColumns,
            List<String> revision) {
        this.table = table;
        this.columns = List.copyOf(columns);
        List<ColumnType> types = new ArrayList<>(declared);
        types.add(EPOCH_TYPE);
        this.types = List.copyOf(types);
        this.keyColumns = keyColumns;
        List<String> all = new ArrayList<>(names);
        all.add(EPOCH_COLUMN);
        this.names = List.copyOf(all);
        List<String> arrays = new ArrayList<>();
        for (ColumnType type : this.types) {
            arrays.add("unnest(?::" + type.sql + "[])");
        }
        List<String> keys = all.subList(0, keyColumns);
        List<String> updates = new ArrayList<>();
        for (String c : all.subList(keyColumns, all.size())) {
            updates.add(c + " = EXCLUDED." + c);
        }
        List<String> guard = new ArrayList<>();
        guard.add(EPOCH_COLUMN);
        guard.addAll(revision);
        String into = "INSERT INTO " + table + " (" + String.join(", ", all) + ")";
        String onConflict = " ON CONFLICT (" + String.join(", ", keys) + ") DO UPDATE SET " + String.join(", ", updates)
                + " WHERE (" + qualified(table, guard) + ") <= (" + qualified("EXCLUDED", guard) + ")";
        // unnest() in the select list: the arrays, all of one length, are walked in lockstep and the rows
        // stream into the INSERT; FROM unnest(a, b, ..) would first materialize every array's rows
        // (measured: 15 to 34% more server CPU per row, SinkThroughput --breakdown).
        this.sql = into + " SELECT " + String.join(", ", arrays) + onConflict;
        this.rowByRowSql =
                into + " VALUES (" + String.join(", ", Collections.nCopies(all.size(), "?")) + ")" + onConflict;
    }

    /** Starts describing the upsert into {@code table}. */
    public static <T> Builder<T> into(String table) {
        return new Builder<>(table);
    }

    public String table() {
        return table;
    }

    /** The statement's text. */
    public String sql() {
        return sql;
    }

    /** How many leading parameters identify a row (the primary key). */
    public int keyParameters() {
        return keyColumns;
    }

    /** Each parameter's column, in order: the keys, the values, then {@code revision_epoch}. */
    public List<String> columnNames() {
        return names;
    }

    /**
     * The same upsert of one row of scalar parameters ({@code VALUES (?, ...)}), as the sink sent
     * it before batches became arrays: for comparisons only (tests, the sink benchmark).
     */
    public String rowByRowSql() {
        return rowByRowSql;
    }

    /** Each parameter's column type, in order: the keys, the values, then the revision epoch. */
    public List<ColumnType> columnTypes() {
        return types;
    }

    /** The statement that writes rows at {@code revisionEpoch}. */
    public Statement<T> statement(int revisionEpoch) {
        return new Statement<>(this, revisionEpoch);
    }

    /** The table's sink, with {@link SinkMetrics} in its writer's metric group. */
    public MeteredJdbcSink<T> sink(JobOptions options) {
        return JdbcUpserts.sink(options, statement(options.revisionEpoch), keyColumns, types);
    }

    /** Each revision part is a column, or columns summed ({@code "a + b"}), qualified by {@code prefix}. */
    private static String qualified(String prefix, List<String> parts) {
        List<String> out = new ArrayList<>();
        for (String part : parts) {
            List<String> terms = new ArrayList<>();
            for (String column : part.split(" \\+ ")) {
                terms.add(prefix + "." + column);
            }
            out.add(String.join(" + ", terms));
        }
        return String.join(", ", out);
    }

    /** Binds rows to the upsert: each column in order, then the revision epoch. */
    public static class Statement<T> implements JdbcQueryStatement<T> {
        private static final long serialVersionUID = 1L;

        private final Upsert<T> upsert;
        private final int revisionEpoch;

        protected Statement(Upsert<T> upsert, int revisionEpoch) {
            this.upsert = upsert;
            this.revisionEpoch = revisionEpoch;
        }

        @Override
        public String query() {
            return upsert.sql;
        }

        @Override
        public void statement(PreparedStatement ps, T row) throws SQLException {
            List<Column<T>> columns = upsert.columns;
            for (int i = 0; i < columns.size(); i++) {
                columns.get(i).bind(ps, i + 1, row);
            }
            ps.setInt(columns.size() + 1, revisionEpoch);
        }
    }

    /** Keys first, then values, then the revision that guards the update. */
    public static final class Builder<T> {
        private final String table;
        private final List<String> names = new ArrayList<>();
        private final List<ColumnType> types = new ArrayList<>();
        private final List<Column<T>> columns = new ArrayList<>();
        private int keyColumns;

        private Builder(String table) {
            this.table = table;
        }

        /** A primary-key column of SQL type {@code type}; all of them come before any value column. */
        public Builder<T> key(String column, ColumnType type, Column<T> bind) {
            if (keyColumns != names.size()) {
                throw new IllegalStateException("key column " + column + " after a value column");
            }
            keyColumns++;
            return add(column, type, bind);
        }

        /** A column of SQL type {@code type} the update overwrites. */
        public Builder<T> value(String column, ColumnType type, Column<T> bind) {
            return add(column, type, bind);
        }

        private Builder<T> add(String column, ColumnType type, Column<T> bind) {
            if (column.equals(EPOCH_COLUMN) || names.contains(column)) {
                throw new IllegalArgumentException("column " + column + " given twice");
            }
            names.add(column);
            types.add(type);
            columns.add(bind);
            return this;
        }

        /**
         * The guard: after {@code revision_epoch}, the parts that grow with every version of a row
         * within one epoch (each a column or a sum {@code "a + b"} of value columns).
         */
        public Upsert<T> guardedBy(String... revision) {
            if (keyColumns == 0) {
                throw new IllegalStateException(table + " has no key column");
            }
            for (String part : revision) {
                for (String column : part.split(" \\+ ")) {
                    if (names.indexOf(column) < keyColumns) {
                        throw new IllegalArgumentException("revision part " + column + " is not a value column");
                    }
                }
            }
            return new Upsert<>(table, names, types, columns, keyColumns, List.of(revision));
        }
    }
}
