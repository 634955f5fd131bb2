package org.vertxotp.genserver.impl;

import io.vertx.core.Vertx;
import org.vertxotp.genserver.Clock;

/**
 * Real time: {@code System.nanoTime} and Vert.x timers, armed on the calling context. Vert.x
 * timers fire no sooner than their delay, so a wake-up is at most a millisecond late, never early.
 */
final class VertxClock implements Clock {

  private final Vertx vertx;

  VertxClock(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Scheduled schedule(long delayMillis, Runnable task) {
    long id = vertx.setTimer(Math.max(1, delayMillis), t -> task.run());
    return () -> vertx.cancelTimer(id);
  }
}
