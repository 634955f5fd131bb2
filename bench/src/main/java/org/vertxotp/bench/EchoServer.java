package org.vertxotp.bench;

import static org.vertxotp.genserver.Results.*;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;


/**
 * The benchmarks' server: replies with its request, like the raw baseline consumers; {@code "crash"}
 * throws; {@code "context"} replies its context (a local call only).
 */
final class EchoServer implements GenServer<Void, Void> {

  @Override
  public InitResult<Void> init(Void args) {
    return ok(null);
  }

  @Override
  public CallResult<Void> handleCall(Object request, From from, Void state) {
    if ("crash".equals(request)) {
      throw new IllegalStateException("crash on request");
    }
    if ("context".equals(request)) { // where it runs, for a benchmark to check its placement
      return reply(io.vertx.core.Vertx.currentContext(), state);
    }
    return reply(request, state);
  }
}
