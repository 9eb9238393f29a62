/**
 * The job's data flow in one place ({@link io.marketbars.pipeline.BarsPipeline#define}, which
 * {@code main} and the tests both call) and the operator uids savepoints map state by
 * ({@link io.marketbars.pipeline.Uids}).
 */
package io.marketbars.pipeline;
