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
    Context caller = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    try {
      threads.execute(() -> {
        T result = null;
        Throwable failure = null;
        try {
          result = work.call();
        } catch (Throwable e) {
          failure = e;
        }
        T value = result;
        Throwable cause = failure;
        Runnable answer = () -> {
          if (cause == null) {
            done.complete(value);
          } else {
            done.fail(cause);
          }
        };
        if (caller == null) {
          answer.run();
        } else {
          caller.runOnContext(v -> answer.run());
        }
      });
    } catch (RejectedExecutionException closed) {
      done.fail(new IllegalStateException("the delivery store is closed"));
    }
    return done.future();
  }
}
