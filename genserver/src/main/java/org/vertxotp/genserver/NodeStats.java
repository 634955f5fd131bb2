package org.vertxotp.genserver;

/**
 * A snapshot of the toolkit's bookkeeping in one Vert.x instance, for tests and metrics. After
 * every server stopped and every call completed, the first five counts are zero: anything else is
 * a leak. {@code dropped} only grows.
 *
 * @param servers       servers running (or starting or stopping)
 * @param names         names held by servers of this instance
 * @param pendingCalls  calls made from this instance that have not completed yet
 * @param pendingTimers timers armed and neither fired nor cancelled (including result timeouts)
 * @param monitors      monitors set up with {@code Monitors} (or by supervisors) that have neither
 *                      fired nor been removed
 * @param dropped       messages dropped since the instance started: casts and infos at a full
 *                      mailbox, and outcomes of piped work whose server had stopped
 */
public record NodeStats(int servers, int names, long pendingCalls, long pendingTimers, long monitors, long dropped) {

  /** Nothing pending and nothing running: what a test expects once its servers stopped. */
  public boolean isIdle() {
    return servers == 0 && names == 0 && pendingCalls == 0 && pendingTimers == 0 && monitors == 0;
  }
}
