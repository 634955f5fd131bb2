package org.vertxotp.genserver;

/**
 * A snapshot of the toolkit's bookkeeping in one Vert.x instance, for tests and metrics. After
 * every server stopped and every call completed, all counts are zero: anything else is a leak.
 *
 * @param servers      servers running (or starting)
 * @param names        registered names
 * @param pendingCalls  calls made from this instance that have not completed yet
 * @param pendingTimers timers armed and neither fired nor cancelled (including result timeouts)
 * @param monitors      monitors set up with {@code Monitors} that have neither fired nor been removed
 */
public record NodeStats(int servers, int names, long pendingCalls, long pendingTimers, long monitors) {
}
