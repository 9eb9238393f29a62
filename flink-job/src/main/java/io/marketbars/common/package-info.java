/**
 * The rules the three outputs share: the event-time policy ({@link io.marketbars.common.EventTimePolicy})
 * and minute arithmetic ({@link io.marketbars.common.Minutes}), the clock-jump rule
 * ({@link io.marketbars.common.ClockJumps}), admission of index and flow records
 * ({@link io.marketbars.common.FeedAdmission}), sorted record arrays for keyed state
 * ({@link io.marketbars.common.SortedRecords}), and the dead-letter path: the router after every
 * source ({@link io.marketbars.common.RouteRejected}) and the side output with its records
 * ({@link io.marketbars.common.DeadLetters}).
 */
package io.marketbars.common;
