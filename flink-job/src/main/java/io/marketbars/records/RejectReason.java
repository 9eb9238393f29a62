package io.marketbars.records;

/** Why a record went to the dead-letter topic; the name is what the topic's header carries. */
public enum RejectReason {
    MALFORMED_JSON,
    MISSING_FIELD,
    INVALID_FIELD,
    NON_POSITIVE_PRICE,
    NEGATIVE_QUANTITY,
    UNKNOWN_SIDE,
    TIMESTAMP_OUT_OF_RANGE,
    LATE_BEYOND_ALLOWED_LATENESS
}
