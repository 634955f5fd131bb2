package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/** Round trips made from one context, a number of them kept in flight: 1 is a sequential chain. */
final class InFlight {

  private InFlight() {
  }

  /**
   * Makes {@code count} round trips from {@code from}'s context, at most {@code inFlight} at a time,
   * each started when one before it is answered; completes when the last is answered, or fails
   * with the first failure.
   */
  static Future<Void> run(Context from, Supplier<? extends Future<?>> roundTrip, int count, int inFlight) {
    if (inFlight < 1) {
      throw new IllegalArgumentException("at least one round trip in flight, not " + inFlight);
    }
    if (count <= 0) {
      return Future.succeededFuture(); // nothing to wait for
    }
    Promise<Void> done = Promise.promise();
    from.runOnContext(v -> {
      int[] sent = {0};
      int[] answered = {0};
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        sent[0]++;
        roundTrip.get().onComplete(ar -> {
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else if (++answered[0] == count) {
            done.tryComplete();
          } else if (sent[0] < count) {
            next[0].run();
          }
        });
      };
      for (int i = 0; i < inFlight && i < count; i++) {
        next[0].run();
      }
    });
    return done.future();
  }
}
