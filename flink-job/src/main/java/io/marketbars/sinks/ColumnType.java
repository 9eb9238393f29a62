package io.marketbars.sinks;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * The SQL type of an upsert column, declared once in the {@link Upsert} builder: it gives the cast
 * of the column's array in the generated statement ({@code ?::numeric[]}) and turns each value a
 * binder set on the statement into an element of that array. Integers go to pgjdbc as
 * {@code Long[]}/{@code Integer[]} (sent in binary); the rest as text elements the server parses
 * with the column type's own input function, as COPY does: a NUMERIC keeps its exact digits and
 * scale, an instant its microseconds, and a null stays SQL NULL.
 */
public enum ColumnType {
    TEXT("text", "text"),
    NUMERIC("numeric", "numeric"),
    BIGINT("bigint", "int8"),
    INTEGER("integer", "int4"),
    TIMESTAMPTZ("timestamptz", "timestamptz"),
    DATE("date", "date");

    /** The name in the statement's casts. */
    final String sql;
    /** The element type name for {@link java.sql.Connection#createArrayOf}. */
    final String driverName;

    ColumnType(String sql, String driverName) {
        this.sql = sql;
        this.driverName = driverName;
    }

    /** An empty array of the element class pgjdbc encodes for this type. */
    Object[] newArray(int length) {
        switch (this) {
            case BIGINT:
                return new Long[length];
            case INTEGER:
                return new Integer[length];
            default:
                return new String[length];
        }
    }

    /** The array element for a value a binder set ({@code null} after {@code setNull}). */
    Object element(Object bound) {
        if (bound == null) {
            return null;
        }
        switch (this) {
            case TEXT:
                if (bound instanceof String) {
                    return bound;
                }
                break;
            case NUMERIC:
                // The same text pgjdbc sends for setBigDecimal: the server's numeric_in keeps digits and scale.
                if (bound instanceof BigDecimal || bound instanceof Long || bound instanceof Integer) {
                    return bound.toString();
                }
                break;
            case BIGINT:
                if (bound instanceof Long || bound instanceof Integer) {
                    return ((Number) bound).longValue();
                }
                break;
            case INTEGER:
                if (bound instanceof Integer) {
                    return bound;
                }
                break;
            case TIMESTAMPTZ:
                // ISO-8601 in UTC with seconds always present and the fraction as long as needed.
                if (bound instanceof OffsetDateTime) {
                    return ((OffsetDateTime) bound).toInstant().toString();
                }
                if (bound instanceof Instant) {
                    return bound.toString();
                }
                break;
            case DATE:
                if (bound instanceof LocalDate) {
                    return bound.toString();
                }
                break;
            default:
                break;
        }
        throw new IllegalArgumentException(
                "a " + bound.getClass().getName() + " bound to a " + sql + " column: declare the column's type");
    }
}
