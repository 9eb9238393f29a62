package io.marketbars.bench;

import io.marketbars.BarsJob;
import io.marketbars.config.JobOptions;
import io.marketbars.pipeline.BarsPipeline;
import java.nio.file.Files;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The real job as the benchmarks run it: {@code --mode replay} (bounded at the topic's end offsets
 * at start), checkpoints every 10 s to a file system, the production OHLCV upsert sink and
 * dead-letter sink, on a local environment with one slot per subtask. Basis and flow bars are off:
 * the benchmarks have trades only.
 */
final class ReplayJob {
    private ReplayJob() {}

    static StreamExecutionEnvironment replay(
            String bootstrapServers,
            String dbUrl,
            String dbUser,
            String topic,
            int parallelism,
            String sinkBatchSize,
            String checkpointInterval)
            throws Exception {
        String checkpoints =
                Files.createTempDirectory("bench-checkpoints").toUri().toString();
        JobOptions options = JobOptions.fromArgs(
                new String[] {
                    "--mode", "replay",
                    "--bootstrap-servers", bootstrapServers,
                    "--trades-topic", topic,
                    "--group-id", "bench-" + topic + "-p" + parallelism,
                    "--db-url", dbUrl,
                    "--db-user", dbUser,
                    "--parallelism", Integer.toString(parallelism),
                    "--sink-batch-size", sinkBatchSize,
                    "--checkpoint-interval", checkpointInterval,
                    "--checkpoint-dir", checkpoints,
                },
                Map.of());
        return local(options, parallelism);
    }

    /** The job as {@code main} builds it (production sources and sinks) on a local environment with a slot per subtask. */
    static StreamExecutionEnvironment local(JobOptions options, int parallelism) throws Exception {
        Configuration conf = BarsJob.configuration(options);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        BarsJob.configure(env, options);
        BarsPipeline.define(env, () -> BarsJob.tradesSource(options), BarsJob.productionSinks(options), options);
        return env;
    }
}
