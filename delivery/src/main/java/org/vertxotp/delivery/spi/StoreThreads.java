package org.vertxotp.delivery.spi;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * How a {@link DeliveryStore} runs blocking work: on threads of its own (never an event loop, and
 * never a Vert.x worker thread, which Vert.x interrupts when the deployment that used it is
 * undeployed), answering on the context of whoever called.
 */
public final class StoreThreads {

  private StoreThreads() {
  }

  /**
   * Runs {@code work} on {@code threads}; the future completes with its result or what it threw,
   * on the caller's context (or on the store's thread for a caller on none). Fails with
   * {@link IllegalStateException} if {@code threads} no longer takes work (the store is closed).
   */
  public static <T> Future<T> run(Executor threads, Callable<T> work) {
    Task<T> task = new Task<>(Vertx.currentContext(), work);
    try {
      threads.execute(task);
    } catch (RejectedExecutionException closed) {
      task.fail(new IllegalStateException("the delivery store is closed"));
    }
    return task.done.future();
  }

  /**
   * Stops {@code threads} at once: running work is interrupted, and work still waiting fails with
   * {@link IllegalStateException} (its future is never left pending).
   */
  public static void shutdownNow(java.util.concurrent.ExecutorService threads) {
    for (Runnable waiting : threads.shutdownNow()) {
      if (waiting instanceof Task<?> task) {
        task.fail(new IllegalStateException("the delivery store is closed"));
      }
    }
  }

  /** One piece of work and the future it completes, on its caller's context. */
  private static final class Task<T> implements Runnable {
    private final Context caller;
    private final Callable<T> work;
    final Promise<T> done = Promise.promise();

    Task(Context caller, Callable<T> work) {
      this.caller = caller;
      this.work = work;
    }

    @Override
    public void run() {
      T result;
      try {
        result = work.call();
      } catch (Throwable e) {
        fail(e);
        return;
      }
      answer(() -> done.tryComplete(result));
    }

    void fail(Throwable cause) {
      answer(() -> done.tryFail(cause));
    }

    private void answer(Runnable outcome) {
      if (caller == null) {
        outcome.run();
      } else {
        caller.runOnContext(v -> outcome.run());
      }
    }
  }
}
