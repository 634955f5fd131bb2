package org.vertxotp.genserver;

import java.util.Objects;

/**
 * What {@link GenServer#handleCall} returns: every {@link NoReplyResult}, plus the results that
 * answer the caller. Build them with the factories in {@link Results}.
 */
public sealed interface CallResult<S>
    permits NoReplyResult, CallResult.Reply, CallResult.StopWithReply, CallResult.Reject {

  /** Answer the caller now, keep {@code state}, then perform the action. */
  record Reply<S>(Object reply, S state, Action action) implements CallResult<S> {
    public Reply { Objects.requireNonNull(action, "action"); }
  }

  /** Stop with {@code reason}; the caller receives {@code reply} after {@code terminate} ran. */
  record StopWithReply<S>(ExitReason reason, Object reply, S state) implements CallResult<S> {
    public StopWithReply { Objects.requireNonNull(reason, "reason"); }
  }

  /**
   * The request is not one this server understands: the caller fails with
   * {@link CallFailure#BAD_MESSAGE} and the server goes on with {@code state}.
   */
  record Reject<S>(String why, S state) implements CallResult<S> {
    public Reject { Objects.requireNonNull(why, "why"); }
  }
}
