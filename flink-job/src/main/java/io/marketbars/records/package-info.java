/**
 * The job's record types: what the sources emit (ticks, index values, foreign-flow snapshots,
 * each valid or rejected), the bars written to the database, and the dead letters. Flink
 * serializes all of them without Kryo ({@code RecordSerializationTest} proves it).
 *
 * <p>Their fully qualified names are part of the savepoint format: ticks, index values and
 * snapshots are held in keyed state (see {@link io.marketbars.functions}), so these classes stay
 * where they are.
 */
package io.marketbars.records;
