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

/**
 * The connector's at-least-once {@link JdbcSink}, plus {@link SinkMetrics} registered in each
 * writer's metric group. The writer's metric group is only reachable where the writer is created,
 * and the batches are only visible in the statement, so the sink hands the group to its
 * {@link CollapsingConnectionProvider} just before the connector opens the connection.
 *
 * <p>Flink deserializes one copy of the sink per subtask, and Java serialization keeps the
 * provider held here and the one inside {@link JdbcSink} the same object, so each subtask times
 * its own statements.
 */
public final class MeteredJdbcSink<IN> extends JdbcSink<IN> {
    private static final long serialVersionUID = 1L;

    private final CollapsingConnectionProvider provider;

    public MeteredJdbcSink(CollapsingConnectionProvider provider, JdbcExecutionOptions execution,
            JdbcQueryStatement<IN> statement) {
        super(DeliveryGuarantee.AT_LEAST_ONCE, provider, execution, JdbcExactlyOnceOptions.defaults(), statement);
        this.provider = provider;
    }

    /** {@link JdbcSink#createWriter} comes here too, with no state. */
    @Override
    public JdbcWriter<IN> restoreWriter(WriterInitContext context, Collection<JdbcWriterState> state)
            throws IOException {
        provider.bindMetrics(SinkMetrics.register(context.metricGroup()));
        return super.restoreWriter(context, state);
    }
}
