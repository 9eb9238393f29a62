package io.marketbars.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * A pass-through map that throws once, after a checkpoint has completed, so the job must restore
 * from it. Static flags because the MiniCluster runs it in this JVM: one armed failure per run.
 */
public final class FailOnceAfterCheckpoint<T> extends RichMapFunction<T, T> implements CheckpointListener, CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static volatile boolean FAILED;
    public static volatile boolean RESTORED;
    static volatile boolean CHECKPOINTED;
    static final AtomicBoolean ARMED = new AtomicBoolean();

    public static void arm() {
        FAILED = false;
        RESTORED = false;
        CHECKPOINTED = false;
        ARMED.set(true);
    }

    public static boolean armed() {
        return ARMED.get();
    }

    @Override
    public T map(T value) {
        if (CHECKPOINTED && ARMED.compareAndSet(true, false)) {
            FAILED = true;
            throw new RuntimeException("injected failure for the exactly-once test");
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINTED = true;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void initializeState(FunctionInitializationContext context) {
        if (context.isRestored()) {
            RESTORED = true;
        }
    }
}
