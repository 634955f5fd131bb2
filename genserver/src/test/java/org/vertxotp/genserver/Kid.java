package org.vertxotp.genserver;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Promise;
import java.util.Queue;

/**
 * A supervised test child: records {@code start:ID} in init and {@code stop:ID:REASON} in
 * terminate. Calls: {@code "get"} counts up from 0 (fresh state after every restart),
 * {@code "crash"} throws, {@code "quit"} stops normally, {@code "hang"} never completes.
 */
final class Kid implements GenServer<Kid.Args, Integer> {

  record Args(String id, Queue<String> log, boolean failInit) {
    Args(String id, Queue<String> log) {
      this(id, log, false);
    }
  }

  private Args args;

  @Override
  public InitResult<Integer> init(Args args) {
    this.args = args;
    if (args.failInit()) {
      return stop(ExitReason.of("cannot start " + args.id()));
    }
    args.log().add("start:" + args.id());
    return ok(0);
  }

  @Override
  public CallResult<Integer> handleCall(Object request, From from, Integer n) {
    switch ((String) request) {
      case "get":
        return reply(n, n + 1);
      case "crash":
        throw new IllegalStateException(args.id() + " crashed");
      case "quit":
        return stop(ExitReason.normal(), "bye", n);
      case "hang":
        return async(Promise.<CallResult<Integer>>promise().future());
      default:
        return reject("unknown", n);
    }
  }

  @Override
  public void terminate(ExitReason reason, Integer n) {
    args.log().add("stop:" + args.id() + ":" + reason);
  }
}
