package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.vertxotp.genserver.ExitReason;

/**
 * The thin verticle a server is deployed as: start boots the server loop on the verticle's
 * context, undeploy stops it with {@code shutdown}.
 */
final class ServerVerticle<A> extends VerticleBase {

  private final ServerProcess<A, ?> process;
  private final A args;

  ServerVerticle(ServerProcess<A, ?> process, A args) {
    this.process = process;
    this.args = args;
  }

  @Override
  public Future<?> start() {
    return process.boot(context, args, false);
  }

  @Override
  public Future<?> stop() {
    return process.shutdown(ExitReason.shutdown());
  }
}
