package io.marketbars.pipeline;

import io.marketbars.config.JobOptions;
import io.marketbars.testing.RocksDbBackend;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BasisAndFlowPipelineIT}, every test, on the RocksDB state backend (incremental checkpoints): the
 * keyed state's layout (scalars in a value, pending records in a list, seen sequence numbers and
 * index values in maps) gives the oracle's rows there too, and restores from a RocksDB checkpoint
 * after a failure.
 */
class BasisAndFlowPipelineRocksDbIT extends BasisAndFlowPipelineIT {
    @Override
    protected Configuration jobConfiguration(JobOptions options) {
        return RocksDbBackend.apply(super.jobConfiguration(options));
    }

    /** RocksDB's first checkpoint takes longer (it opens and flushes its instances): feed slower. */
    @Override
    protected int recordsPerMilliWhileArmed() {
        return 1;
    }

    @AfterEach
    void ranOnRocksDb(@InjectClusterClient ClusterClient<?> client) throws Exception {
        RocksDbBackend.assertUsed(client);
    }
}
