package org.vertxotp.genserver;

/**
 * The one source of time for the whole toolkit: timers, result timeouts, call and stop
 * timeouts. A Vert.x instance uses the system clock (Vert.x timers) unless a test installs a
 * {@link ManualClock}.
 */
public interface Clock {

  /**
   * Monotonic nanoseconds; only differences are meaningful. Deadlines are kept at this precision
   * so that no timer fires before its delay has fully passed.
   */
  long nanoTime();

  /**
   * Runs {@code task} once, no sooner than {@code delayMillis} from now. Called on the Vert.x
   * context the task must run on (the task then runs there), or outside any context (the task
   * then runs on a thread of the clock's choosing).
   */
  Scheduled schedule(long delayMillis, Runnable task);

  /** A task scheduled by {@link #schedule}. */
  interface Scheduled {
    /** Prevents the task from running, if it has not started yet. Any thread. */
    void cancel();
  }
}
