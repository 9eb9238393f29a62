package io.marketbars.sinks;

import java.io.IOException;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcExactlyOnceOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;
import org.apache.flink.connector.jdbc.internal.JdbcOutputSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's at-least-once {@link JdbcSink}, plus {@link SinkMetrics} registered in each
 * writer's metric group. The writer's metric group is only reachable where the writer is created,
 * and the batches are only visible in the statement, so the sink hands the group to its
 * {@link CollapsingConnectionProvider} just before the connector opens the connection.
 *
 * <p>Flink deserializes one copy of the sink per subtask, and Java serialization keeps the
 * provider held here and the one inside {@link JdbcSink} the same object, so each subtask times
 * its own statements.
 *
 * <p>Its writer ({@link Writer}) does not let {@code close()} throw. The connector's
 * {@code close()} flushes whatever a failed flush left in the batch, and when the database refuses
 * every batch that fails again; thrown while Flink cleans up a task that is already failing, the
 * exception counts as "FATAL - exception in exception handler" and kills the whole TaskManager
 * (seen in {@code DatabaseRefusalIT}): the job then waits for a new TaskManager, and its exception
 * history shows a lost TaskManager instead of the database's error.
 */
public final class MeteredJdbcSink<IN> extends JdbcSink<IN> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MeteredJdbcSink.class);

    private final CollapsingConnectionProvider provider;
    private final JdbcExecutionOptions execution;
    private final JdbcQueryStatement<IN> statement;

    public MeteredJdbcSink(
            CollapsingConnectionProvider provider, JdbcExecutionOptions execution, JdbcQueryStatement<IN> statement) {
        super(DeliveryGuarantee.AT_LEAST_ONCE, provider, execution, JdbcExactlyOnceOptions.defaults(), statement);
        this.provider = provider;
        this.execution = execution;
        this.statement = statement;
    }

    /** {@link JdbcSink#createWriter} comes here too, with no state. */
    @Override
    public JdbcWriter<IN> restoreWriter(WriterInitContext context, Collection<JdbcWriterState> state)
            throws IOException {
        provider.bindMetrics(SinkMetrics.register(context.metricGroup()));
        return new Writer<>(
                provider,
                execution,
                statement,
                JdbcOutputSerializer.of(context.createInputSerializer(), context.isObjectReuseEnabled()),
                state,
                context);
    }

    /** The connector's at-least-once writer, whose {@code close()} never throws (see the class comment). */
    static final class Writer<IN> extends JdbcWriter<IN> {
        private final CollapsingConnectionProvider provider;

        Writer(
                CollapsingConnectionProvider provider,
                JdbcExecutionOptions execution,
                JdbcQueryStatement<IN> statement,
                JdbcOutputSerializer<IN> serializer,
                Collection<JdbcWriterState> state,
                WriterInitContext context)
                throws IOException {
            super(
                    provider,
                    execution,
                    JdbcExactlyOnceOptions.defaults(),
                    statement,
                    serializer,
                    DeliveryGuarantee.AT_LEAST_ONCE,
                    state,
                    context);
            this.provider = provider;
        }

        /**
         * Rows still in the batch at close were never acknowledged by a checkpoint (every
         * checkpoint and the end of input flush first), so the restored job writes them again:
         * failing to write them here loses nothing. The connector skips closing its connection
         * when that flush throws, so it is closed here, or every restart would leak one.
         */
        @Override
        public void close() throws Exception {
            try {
                super.close();
            } catch (Exception e) {
                LOG.warn(
                        "Closing the JDBC writer after a failed write; its unwritten rows come again from the last"
                                + " checkpoint: {}",
                        e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                provider.closeConnection();
            }
        }
    }
}
