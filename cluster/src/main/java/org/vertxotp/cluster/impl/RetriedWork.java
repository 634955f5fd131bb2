package org.vertxotp.cluster.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Blocking work run on a Vert.x worker thread, one run at a time: asked for during a run, it runs
 * once more after it; a run that fails is tried again after 1, 2, 4 … seconds (up to a cap), a
 * bounded number of times, while {@code running} says so. What a member does after the cluster
 * changed (check its names, reload its copy of them) is such work.
 */
public final class RetriedWork {

  /** Told of a failed run: its attempt (from 1), the wait before the next one, or -1 when it gives up. */
  @FunctionalInterface
  public interface Failures {
    void failed(int attempt, long nextInMillis, Throwable cause);
  }

  private final Vertx vertx;
  private final Callable<?> work;
  private final int tries;
  private final long backoffCapMillis;
  private final BooleanSupplier running;
  private final Failures failures;
  private final AtomicBoolean underWay = new AtomicBoolean();
  private volatile boolean again;
  private volatile boolean closed;
  private volatile long retryTimer = -1;

  public RetriedWork(Vertx vertx, Callable<?> work, int tries, long backoffCapMillis, BooleanSupplier running,
                     Failures failures) {
    this.vertx = vertx;
    this.work = work;
    this.tries = tries;
    this.backoffCapMillis = backoffCapMillis;
    this.running = running;
    this.failures = failures;
  }

  /** Runs the work now, or once more after the run under way. */
  public void request() {
    again = true;
    if (closed || !underWay.compareAndSet(false, true)) {
      return;
    }
    run(1);
  }

  private void run(int attempt) {
    if (closed) {
      underWay.set(false);
      return;
    }
    again = false;
    Future<?> ran;
    try {
      ran = vertx.executeBlocking(work, false);
    } catch (RuntimeException closing) { // Vert.x's worker pool refused it: Vert.x is closing
      ran = Future.failedFuture(closing);
    }
    ran.onComplete(done -> {
      boolean goOn = !closed && running.getAsBoolean();
      if (done.failed() && goOn && attempt < tries) {
        long wait = Math.min(backoffCapMillis, 1000L << Math.min(30, attempt - 1));
        failures.failed(attempt, wait, done.cause());
        try {
          retryTimer = vertx.setTimer(wait, timer -> run(attempt + 1));
          return; // still under way: a request meanwhile is served by the retry
        } catch (RuntimeException closing) {
          goOn = false; // Vert.x is closing
        }
      }
      if (done.failed() && goOn) {
        failures.failed(attempt, -1, done.cause());
      }
      underWay.set(false);
      if (again && goOn) {
        request();
      }
    });
  }

  /** Runs no more; a retry waiting is dropped. */
  public void close() {
    closed = true;
    vertx.cancelTimer(retryTimer);
  }
}
