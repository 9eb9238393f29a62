package io.marketbars.records;

/**
 * A record on its way to the dead-letter topic: the original bytes (or, for a tick that was valid
 * but too late, its canonical JSON) plus why and where from.
 */
public class DeadLetter {
    public String reason;
    public String detail;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public long sourceTimestamp;
    public byte[] key;
    public byte[] value;

    public DeadLetter() {}
}
