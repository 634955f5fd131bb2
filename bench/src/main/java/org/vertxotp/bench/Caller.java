package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** A verticle that does nothing but own a context, for a benchmark's calls (or sends) to start from. */
final class Caller extends VerticleBase {

  /** Deploys a caller and returns its context. */
  static Context deploy(Vertx vertx) {
    Caller caller = new Caller();
    vertx.deployVerticle(caller).await();
    return caller.context;
  }

  /** Runs {@code work} on {@code context} (a server started there is co-located with it) and awaits its result. */
  static <T> T on(Context context, Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(done));
    return done.future().await();
  }
}
