/**
 * Where records come from: the Kafka sources that know when a partition has caught up, the
 * deserializers and parsers that never throw on bad input (a bad record becomes a rejected
 * record, bound for the dead letters), and the per-partition watermarks.
 */
package io.marketbars.sources;
