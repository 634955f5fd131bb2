package org.vertxotp.genserver.impl;

import io.vertx.core.Vertx;
import org.vertxotp.genserver.Clock;

/** Real time: {@code System.nanoTime} and Vert.x timers, armed on the calling context. */
final class VertxClock implements Clock {

  private final Vertx vertx;

  VertxClock(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public long millis() {
    return System.nanoTime() / 1_000_000;
  }

  @Override
  public Scheduled schedule(long delayMillis, Runnable task) {
    long id = vertx.setTimer(Math.max(1, delayMillis), t -> task.run());
    return () -> vertx.cancelTimer(id);
  }
}
