package org.vertxotp.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
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
      int[] wanted = {Math.min(inFlight, count)};
      boolean[] sending = {false};
      Runnable[] pump = new Runnable[1];
      Handler<AsyncResult<Object>> onAnswer = ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
        } else if (++answered[0] == count) {
          done.tryComplete();
        } else {
          wanted[0]++;
          pump[0].run();
        }
      };
      // A loop, not a recursion: round trips that complete at once (a local consumer's registration,
      // say) would otherwise nest one stack frame per round trip.
      pump[0] = () -> {
        if (sending[0]) {
          return; // the loop below is running further up this stack and will send it
        }
        sending[0] = true;
        try {
          while (wanted[0] > 0 && sent[0] < count && !done.future().isComplete()) {
            wanted[0]--;
            sent[0]++;
            roundTrip.get().map(Object.class::cast).onComplete(onAnswer);
          }
        } finally {
          sending[0] = false;
        }
      };
      pump[0].run();
    });
    return done.future();
  }
}
