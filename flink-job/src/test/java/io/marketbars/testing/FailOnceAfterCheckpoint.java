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
 *
 * <p>With {@code afterRecordsSinceSnapshot > 0} it first lets that many records pass after its
 * latest snapshot and waits a moment, so that the operators behind it have written them out
 * before the failure: they are after every checkpoint the job can restore, so the restored job
 * processes them again. That is the failure an exactly-once sink must survive without duplicates.
 */
public final class FailOnceAfterCheckpoint<T> extends RichMapFunction<T, T>
        implements CheckpointListener, CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static volatile boolean FAILED;
    public static volatile boolean RESTORED;
    static volatile boolean CHECKPOINTED;
    static final AtomicBoolean ARMED = new AtomicBoolean();

    private final int afterRecordsSinceSnapshot;
    private transient int sinceSnapshot;

    public FailOnceAfterCheckpoint() {
        this(0);
    }

    public FailOnceAfterCheckpoint(int afterRecordsSinceSnapshot) {
        this.afterRecordsSinceSnapshot = afterRecordsSinceSnapshot;
    }

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
    public T map(T value) throws InterruptedException {
        if (CHECKPOINTED && sinceSnapshot >= afterRecordsSinceSnapshot && ARMED.compareAndSet(true, false)) {
            if (afterRecordsSinceSnapshot > 0) {
                // Long enough for the sink's producer (linger.ms 5) to send what it was given. No
                // checkpoint can complete meanwhile: its barrier waits behind this call.
                Thread.sleep(1000);
            }
            FAILED = true;
            throw new RuntimeException("injected failure for the exactly-once test");
        }
        sinceSnapshot++;
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINTED = true;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        sinceSnapshot = 0;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        if (context.isRestored()) {
            RESTORED = true;
        }
    }
}
