/**
 * Where results go: one generated, revision-guarded upsert per bar table
 * ({@link io.marketbars.sinks.Upsert}: {@link io.marketbars.sinks.BarUpsert},
 * {@link io.marketbars.sinks.BasisUpsert}, {@link io.marketbars.sinks.FlowUpsert}) written through
 * the JDBC connector with batching, batch collapsing and metrics, and the dead-letter records'
 * Kafka serialization.
 */
package io.marketbars.sinks;
