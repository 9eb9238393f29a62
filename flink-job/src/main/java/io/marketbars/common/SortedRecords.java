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

    private SortedRecords() {}

    /**
     * Inserts {@code r} into {@code holder[0]}: a same-instant record with equal payload is a
     * duplicate; otherwise the one with the later (partition, offset) stays.
     */
    public static <T extends FeedRecord> Outcome insert(T[][] holder, T r, BiPredicate<T, T> samePayload) {
        T[] a = holder[0];
        int i = a.length;
        while (i > 0 && a[i - 1].tsMicros > r.tsMicros) {
            i--;
        }
        if (i > 0 && a[i - 1].tsMicros == r.tsMicros) {
            T held = a[i - 1];
            if (samePayload.test(held, r)) {
                return Outcome.DUPLICATE;
            }
            if (FeedRecord.compareOrder(held, r) > 0) {
                return Outcome.SUPERSEDED;
            }
            a[i - 1] = r;
            return Outcome.CORRECTED;
        }
        T[] b = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, i, b, i + 1, a.length - i);
        b[i] = r;
        holder[0] = b;
        return Outcome.ADDED;
    }

    /** Removes the record from (partition, offset), if held; returns it or null. */
    public static <T extends FeedRecord> T remove(T[][] holder, int partition, long offset) {
        T[] a = holder[0];
        for (int i = 0; i < a.length; i++) {
            if (a[i].partition == partition && a[i].offset == offset) {
                T r = a[i];
                T[] b = Arrays.copyOf(a, a.length - 1);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                holder[0] = b;
                return r;
            }
        }
        return null;
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
