package org.vertxotp.genserver.supervisor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * How a supervisor starts (and restarts) a child. {@code options} carries the child's
 * registered name, if its spec has one; {@code args} is what {@link Supervisor#startDynamicChild}
 * was given, and null for the children of a static supervisor.
 */
@FunctionalInterface
public interface ChildStart {
  Future<ServerRef> start(Vertx vertx, StartOptions options, Object args);
}
