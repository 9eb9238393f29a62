/**
 * The explicit serializer of {@link io.marketbars.records.Tick}, with a frozen wire format. Its
 * class names and snapshot are written into every savepoint that holds ticks, so it stays here.
 */
package io.marketbars.records.serialization;
