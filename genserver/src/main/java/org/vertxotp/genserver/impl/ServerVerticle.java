package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The thin verticle a server is deployed as: start boots the server on the verticle's context;
 * undeploy stops it with {@code shutdown} (killed after its shutdown timeout).
 */
final class ServerVerticle extends VerticleBase {

  private final ServerProcess process;
  private final Object args;

  ServerVerticle(ServerProcess process, Object args) {
    this.process = process;
    this.args = args;
  }

  @Override
  public Future<?> start() {
    return process.placement.boot(context, args, false);
  }

  @Override
  public Future<?> stop() {
    return process.placement.undeployed();
  }
}
