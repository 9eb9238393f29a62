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
 * with how it is bound from a row), and the revision that guards the update. Every table's
 * statement is generated the same way:
 *
 * <pre>
 * INSERT INTO t (keys..., values..., revision_epoch) VALUES (?, ...)
 * ON CONFLICT (keys...) DO UPDATE SET value = EXCLUDED.value, ..., revision_epoch = EXCLUDED.revision_epoch
 * WHERE (t.revision_epoch, t.r1, ...) &lt;= (EXCLUDED.revision_epoch, EXCLUDED.r1, ...)
 * </pre>
 *
 * <p>The revision is compared lexicographically and always starts with {@code revision_epoch}
 * (the job's {@code --revision-epoch}, bound last): an older version of a row never overwrites a
 * newer one, an equal version rewrites it unchanged (idempotent), and a deliberate correction
 * with a higher epoch replaces it. The key columns are the statement's leading parameters, so a
 * batch can collapse versions of one row on them ({@link CollapsingConnectionProvider}).
 */
public final class Upsert<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String EPOCH_COLUMN = "revision_epoch";

    /** Binds one column of a row as parameter {@code index}. */
    @FunctionalInterface
    public interface Column<T> extends Serializable {
        void bind(PreparedStatement ps, int index, T row) throws SQLException;
    }

    private final String table;
    private final List<Column<T>> columns;
    private final int keyColumns;
    private final String sql;

    private Upsert(String table, List<String> names, List<Column<T>> columns, int keyColumns, List<String> revision) {
        this.table = table;
        this.columns = List.copyOf(columns);
        this.keyColumns = keyColumns;
        List<String> all = new ArrayList<>(names);
        all.add(EPOCH_COLUMN);
        List<String> keys = all.subList(0, keyColumns);
        List<String> updates = new ArrayList<>();
        for (String c : all.subList(keyColumns, all.size())) {
            updates.add(c + " = EXCLUDED." + c);
        }
        List<String> guard = new ArrayList<>();
        guard.add(EPOCH_COLUMN);
        guard.addAll(revision);
        this.sql = "INSERT INTO " + table + " (" + String.join(", ", all) + ")"
                + " VALUES (" + String.join(", ", Collections.nCopies(all.size(), "?")) + ")"
                + " ON CONFLICT (" + String.join(", ", keys) + ") DO UPDATE SET " + String.join(", ", updates)
                + " WHERE (" + qualified(table, guard) + ") <= (" + qualified("EXCLUDED", guard) + ")";
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

    /** The statement that writes rows at {@code revisionEpoch}. */
    public Statement<T> statement(int revisionEpoch) {
        return new Statement<>(this, revisionEpoch);
    }

    /** The table's sink, with {@link SinkMetrics} in its writer's metric group. */
    public MeteredJdbcSink<T> sink(JobOptions options) {
        return JdbcUpserts.sink(options, statement(options.revisionEpoch), keyColumns);
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
        private final List<Column<T>> columns = new ArrayList<>();
        private int keyColumns;

        private Builder(String table) {
            this.table = table;
        }

        /** A primary-key column; all of them come before any value column. */
        public Builder<T> key(String column, Column<T> bind) {
            if (keyColumns != names.size()) {
                throw new IllegalStateException("key column " + column + " after a value column");
            }
            keyColumns++;
            return add(column, bind);
        }

        /** A column the update overwrites. */
        public Builder<T> value(String column, Column<T> bind) {
            return add(column, bind);
        }

        private Builder<T> add(String column, Column<T> bind) {
            if (column.equals(EPOCH_COLUMN) || names.contains(column)) {
                throw new IllegalArgumentException("column " + column + " given twice");
            }
            names.add(column);
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
            return new Upsert<>(table, names, columns, keyColumns, List.of(revision));
        }
    }
}
