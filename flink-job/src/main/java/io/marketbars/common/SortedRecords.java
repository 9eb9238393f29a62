package io.marketbars.common;

import io.marketbars.records.FeedRecord;
import java.util.Arrays;
import java.util.function.BiPredicate;

/**
 * Small sorted arrays of feed records in keyed state, in {@link FeedRecord#compareOrder} order with
 * at most one record per timestamp: a record at an instant already held either repeats it (a
 * duplicate) or corrects it (the later Kafka offset wins). Arrays rather than lists so Flink
 * serializes the state without Kryo; they hold minutes of one key's records, so copying is cheap.
 */
public final class SortedRecords {
    /** What {@link #insert} did. */
    public enum Outcome {
        ADDED,
        DUPLICATE,
        CORRECTED,
        SUPERSEDED
    }

    /** The result of {@link #insert}: what happened, and the records to keep in state. */
    public record Inserted<T>(Outcome outcome, T[] records) {}

    /** The result of {@link #remove}: the record taken out (null if none), and the records left. */
    public record Removed<T>(T removed, T[] records) {}

    private SortedRecords() {}

    /**
     * Inserts {@code r} into {@code records}: a same-instant record with equal payload is a
     * duplicate; otherwise the one with the later (partition, offset) stays. A correction replaces
     * the held record in place.
     */
    public static <T extends FeedRecord> Inserted<T> insert(T[] records, T r, BiPredicate<T, T> samePayload) {
        T[] a = records;
        int i = a.length;
        while (i > 0 && a[i - 1].tsMicros > r.tsMicros) {
            i--;
        }
        if (i > 0 && a[i - 1].tsMicros == r.tsMicros) {
            T held = a[i - 1];
            if (samePayload.test(held, r)) {
                return new Inserted<>(Outcome.DUPLICATE, a);
            }
            if (FeedRecord.compareOrder(held, r) > 0) {
                return new Inserted<>(Outcome.SUPERSEDED, a);
            }
            a[i - 1] = r;
            return new Inserted<>(Outcome.CORRECTED, a);
        }
        T[] b = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, i, b, i + 1, a.length - i);
        b[i] = r;
        return new Inserted<>(Outcome.ADDED, b);
    }

    /** Removes the record from (partition, offset), if held. */
    public static <T extends FeedRecord> Removed<T> remove(T[] records, int partition, long offset) {
        T[] a = records;
        for (int i = 0; i < a.length; i++) {
            if (a[i].partition == partition && a[i].offset == offset) {
                T r = a[i];
                T[] b = Arrays.copyOf(a, a.length - 1);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                return new Removed<>(r, b);
            }
        }
        return new Removed<>(null, a);
    }

    /** Index of the last record at or before {@code tsMicros}, or -1. */
    public static int lastAtOrBefore(FeedRecord[] a, long tsMicros) {
        int lo = 0;
        int hi = a.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid].tsMicros <= tsMicros) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
