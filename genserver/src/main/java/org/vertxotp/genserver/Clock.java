package org.vertxotp.genserver;

/**
 * The one source of time for the whole toolkit: timers, result timeouts, call and stop
 * timeouts. A Vert.x instance uses the system clock (Vert.x timers) unless a test installs a
 * {@link ManualClock}.
 */
public interface Clock {

  /** Monotonic milliseconds; only differences are meaningful. */
  long millis();

  /**
   * Runs {@code task} once, {@code delayMillis} from now. Called on the Vert.x context the task
   * must run on (the task then runs there), or outside any context (the task then runs on a
   * thread of the clock's choosing).
   */
  Scheduled schedule(long delayMillis, Runnable task);

  /** A task scheduled by {@link #schedule}. */
  interface Scheduled {
    /** Prevents the task from running, if it has not started yet. Any thread. */
    void cancel();
  }
}
