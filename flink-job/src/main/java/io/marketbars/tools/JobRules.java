package io.marketbars.tools;

import io.marketbars.config.JobOptions;
import io.marketbars.records.RejectReason;
import io.marketbars.records.Tick;
import io.marketbars.sources.TickParser;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The job's own rules on a row, so that a backfill fails here and not in the dead-letter topic: the job's
 * {@link TickParser} reads each encoded row, so a row passes if and only if the job would accept it, with the
 * job's default {@code --max-future-skew}. Only the wording is the import's, with the row's own ts text.
 */
final class JobRules {
    private final TickParser parser;
    private final Tick scratch = new Tick();

    /** With the job's default {@code --max-future-skew}. */
    JobRules() {
        this(JobOptions.fromArgs(new String[0], Map.of()).maxFutureSkew);
    }

    JobRules(Duration maxFutureSkew) {
        this.parser = new TickParser(maxFutureSkew.toMillis());
    }

    /** Null when the job accepts {@code value}, else why not; {@code tsText} and {@code ts} are the row's. */
    String problem(byte[] value, String tsText, Instant ts) {
        long now = System.currentTimeMillis();
        Tick tick = parser.parse(value, now, scratch);
        if (tick.rejectReason == null) {
            return null;
        }
        String detail = tick.rejectDetail;
        switch (RejectReason.valueOf(tick.rejectReason)) {
            case NON_POSITIVE_PRICE:
                return detail + " is not positive";
            case NEGATIVE_QUANTITY:
                return detail + " is negative";
            case TIMESTAMP_OUT_OF_RANGE:
                return "ts '" + abbreviate(tsText.trim()) + "' is "
                        + (detail.startsWith("ts ") ? detail.substring(3) : detail)
                        + (ts.isBefore(Instant.ofEpochMilli(now)) ? " (wrong unit?)" : "");
            default:
                return detail;
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
