package org.vertxotp.delivery.impl;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.function.Supplier;
import org.vertxotp.genserver.time.Clock;

/** Work that is given up on after a while, on the toolkit's clock (so a test's manual clock governs it). */
final class Bounded {

  private Bounded() {
  }

  /**
   * {@code work}'s result, or, if it has none after {@code limit} on {@code clock}, {@code
   * otherwise}'s; the bound's timer runs on {@code context}. Work already complete is returned as
   * it is, with no timer.
   */
  static <T> Future<T> within(Clock clock, Context context, Future<T> work, Duration limit, Supplier<Future<T>> otherwise) {
    if (work.isComplete()) {
      return work;
    }
    Promise<T> bounded = Promise.promise();
    Clock.Scheduled timer = clock.schedule(context, limit.toNanos(), () -> otherwise.get().onComplete(ar -> settle(bounded, ar)));
    work.onComplete(ar -> {
      timer.cancel();
      settle(bounded, ar);
    });
    return bounded.future();
  }

  private static <T> void settle(Promise<T> promise, AsyncResult<T> result) {
    if (result.succeeded()) {
      promise.tryComplete(result.result());
    } else {
      promise.tryFail(result.cause());
    }
  }
}
