package org.vertxotp.genserver;

import io.vertx.core.Future;
import java.util.Objects;

/**
 * What {@link GenServer#init} returns; build it with {@link Results#ok}, {@link Results#stop(ExitReason)},
 * {@link Results#ignore()} or {@link Results#async(Future)}.
 */
public sealed interface InitResult<S>
    permits InitResult.Ok, InitResult.Stop, InitResult.Ignore, InitResult.Async {

  /** Start with this state, then perform the action (timeout or continue). */
  record Ok<S>(S state, Action action) implements InitResult<S> {
    public Ok { Objects.requireNonNull(action, "action"); }
  }

  /** Do not start: the start fails with {@link StartFailure#INIT_STOPPED} carrying the reason. */
  record Stop<S>(ExitReason reason) implements InitResult<S> {
    public Stop { Objects.requireNonNull(reason, "reason"); }
  }

  /** Do not start, and it is not an error: the start fails with {@link StartFailure#IGNORED}. */
  record Ignore<S>() implements InitResult<S> {}

  /** The result comes later; the server is not reachable until it does. */
  record Async<S>(Future<InitResult<S>> result) implements InitResult<S> {
    public Async { Objects.requireNonNull(result, "result"); }
  }
}
