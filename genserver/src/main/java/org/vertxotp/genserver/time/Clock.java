package org.vertxotp.genserver.time;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.vertxotp.genserver.impl.Node;

/**
 * The one source of time for the whole toolkit: timers, result timeouts, call, stop and
 * shutdown timeouts, and the {@code now} that pure code (a retry engine) reads. A Vert.x instance
 * uses the system clock unless a test installs a {@link ManualClock}; {@link #of(Vertx)} returns
 * whichever is in use, so code that reads time through it is driven by the manual clock in tests.
 */
public interface Clock {

  /** The clock the toolkit uses in {@code vertx}: the system's, or an installed {@link ManualClock}. */
  static Clock of(Vertx vertx) {
    return Node.of(vertx).clock();
  }

  /**
   * Monotonic nanoseconds; only differences are meaningful. Deadlines are kept at this precision
   * so that no timer fires before its delay has fully passed.
   */
  long nanoTime();

  /** Wall-clock milliseconds since the epoch, for records (when something happened), never for deadlines. */
  long currentTimeMillis();

  /**
   * Runs {@code task} once on {@code context} (never inline, always as a task of its own), no
   * sooner than {@link #nanoTime()} reaches {@code deadlineNanos}; at once if it already passed.
   * The task runs on that context whatever context (or thread) calls this, and is not tied to the
   * lifetime of any deployment.
   */
  Scheduled scheduleAt(Context context, long deadlineNanos, Runnable task);

  /** {@link #scheduleAt} with a deadline {@code delayNanos} from now. */
  default Scheduled schedule(Context context, long delayNanos, Runnable task) {
    return scheduleAt(context, nanoTime() + delayNanos, task);
  }

  /** A task scheduled by {@link #scheduleAt}. */
  interface Scheduled {
    /** Prevents the task from running, if it has not started yet. Any thread. */
    void cancel();
  }
}
