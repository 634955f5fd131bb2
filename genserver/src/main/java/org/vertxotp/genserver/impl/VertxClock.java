package org.vertxotp.genserver.impl;

import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import org.vertxotp.genserver.time.Clock;

/**
 * Real time: {@code System.nanoTime} for deadlines, {@code System.currentTimeMillis} for records,
 * and wake-ups scheduled to the nanosecond on the owning context's event loop. The event loop
 * runs a task no sooner than its deadline, so a wake-up is late by the loop's latency, never early.
 */
final class VertxClock implements Clock {

  /** The system's time; there is nothing to configure. */
  static final VertxClock REAL = new VertxClock();

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Scheduled scheduleAt(Context context, long deadlineNanos, Runnable task) {
    ScheduledFuture<?> future = VertxInternals.schedule(context, deadlineNanos - System.nanoTime(), task);
    return () -> future.cancel(false);
  }
}
