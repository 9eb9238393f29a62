package io.marketbars.bench;

import io.marketbars.records.Bar;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * The same OHLCV bars as a Flink user would write them in Flink SQL: a Kafka table with JSON
 * format and an event-time watermark, a windowing table-valued function ({@code TUMBLE}) grouped by
 * window and symbol, and the JDBC connector's upsert sink into the same {@code ohlcv_1m} table.
 * Open and close are {@code FIRST_VALUE}/{@code LAST_VALUE} in arrival order, right here because
 * the generator's ticks are in time order per symbol and each symbol is in one partition (checked
 * by {@link PlainTicks#outOfTimeOrder}); the job orders by (time, seq) itself.
 */
final class FlinkSqlBars {
    private FlinkSqlBars() {}

    /**
     * turnover / volume rounded half-even to 10 places, as the job stores it. Flink SQL rounds
     * decimals half-up (and its division of two DECIMAL(38, s) keeps 6 fraction digits), which
     * differs on exact ties (a volume of 51,200 makes some): a user wanting the job's rows writes
     * this function.
     */
    public static final class Vwap extends ScalarFunction {
        public @DataTypeHint("DECIMAL(38, 10)") BigDecimal eval(
                @DataTypeHint("DECIMAL(38, 6)") BigDecimal turnover,
                @DataTypeHint("DECIMAL(38, 18)") BigDecimal volume) {
            return volume.signum() == 0 ? null : turnover.divide(volume, Bar.VWAP_SCALE, RoundingMode.HALF_EVEN);
        }
    }

    /** Runs the bounded INSERT to its end; returns the job's net runtime in milliseconds. */
    static long run(String bootstrapServers, String topic, String dbUrl, int parallelism, String checkpointDir)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(10_000);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        // The JDBC connector writes TIMESTAMP, not TIMESTAMP_LTZ: instants become local date-times in
        // the session's zone, which pgjdbc sends in the JVM's zone, so the two must be the same.
        tables.getConfig().setLocalTimeZone(java.time.ZoneId.systemDefault());
        // Prices and quantities as the job admits them: up to 20 integer and 18 fraction digits.
        tables.executeSql("CREATE TABLE ticks ("
                + " symbol STRING, ts BIGINT, price DECIMAL(38, 18), qty DECIMAL(38, 18), seq BIGINT, side STRING,"
                + " rowtime AS TO_TIMESTAMP_LTZ(ts, 3),"
                + " WATERMARK FOR rowtime AS rowtime - INTERVAL '2' SECOND"
                + ") WITH ("
                + " 'connector' = 'kafka', 'topic' = '" + topic + "',"
                + " 'properties.bootstrap.servers' = '" + bootstrapServers + "',"
                + " 'properties.group.id' = 'bench-sql-" + topic + "',"
                + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
                + " 'format' = 'json')");
        // The same batch size as the job's run; pgjdbc's batch rewriting as the job has it.
        tables.executeSql("CREATE TABLE bars ("
                + " symbol STRING, bucket TIMESTAMP(3),"
                + " `open` DECIMAL(38, 18), high DECIMAL(38, 18), low DECIMAL(38, 18), `close` DECIMAL(38, 18),"
                + " volume DECIMAL(38, 18), turnover DECIMAL(38, 6), vwap DECIMAL(38, 10), trade_count BIGINT,"
                + " buy_volume DECIMAL(38, 18), sell_volume DECIMAL(38, 18),"
                + " first_trade_at TIMESTAMP(3), last_trade_at TIMESTAMP(3),"
                + " PRIMARY KEY (symbol, bucket) NOT ENFORCED"
                + ") WITH ("
                + " 'connector' = 'jdbc', 'url' = '" + dbUrl + "&reWriteBatchedInserts=true',"
                + " 'table-name' = 'ohlcv_1m', 'sink.buffer-flush.max-rows' = '5000')");
        tables.createTemporarySystemFunction("VWAP", Vwap.class);
        org.apache.flink.table.api.TableResult insert = tables.executeSql("INSERT INTO bars"
                + " SELECT symbol, CAST(window_start AS TIMESTAMP(3)),"
                + " FIRST_VALUE(price), MAX(price), MIN(price), LAST_VALUE(price),"
                + " SUM(qty), SUM(price * qty),"
                + " VWAP(SUM(price * qty), SUM(qty)),"
                + " COUNT(*),"
                + " SUM(CASE WHEN side = 'B' THEN qty ELSE 0 END),"
                + " SUM(CASE WHEN side = 'B' THEN 0 ELSE qty END),"
                + " CAST(MIN(TO_TIMESTAMP_LTZ(ts, 3)) AS TIMESTAMP(3)), CAST(MAX(TO_TIMESTAMP_LTZ(ts, 3)) AS TIMESTAMP(3))"
                + " FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))"
                + " GROUP BY window_start, window_end, symbol");
        insert.await();
        return insert.getJobClient().orElseThrow().getJobExecutionResult().get().getNetRuntime();
    }
}
