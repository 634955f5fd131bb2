package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

/** A verticle that does nothing but own a context, for a benchmark's calls (or sends) to start from. */
final class Caller extends VerticleBase {

  /** Deploys a caller and returns its context. */
  static Context deploy(Vertx vertx) {
    Caller caller = new Caller();
    vertx.deployVerticle(caller).await();
    return caller.context;
  }
}
