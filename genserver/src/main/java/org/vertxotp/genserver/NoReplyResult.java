package org.vertxotp.genserver;

import io.vertx.core.Future;
import java.util.Objects;

/**
 * A result that answers no caller: what {@link GenServer#handleCast}, {@link GenServer#handleInfo}
 * and {@link GenServer#handleContinue} return, since they have no caller to answer, and what
 * {@code handleCall} returns when it answers later through its {@link From} (OTP's
 * {@code noreply}) or stops without a reply. Build them with the factories in {@link Results}.
 */
public sealed interface NoReplyResult<S> extends CallResult<S>
    permits NoReplyResult.NoReply, NoReplyResult.Stop, NoReplyResult.Async {

  /** Keep {@code state}, answer nobody now, then perform the action. */
  record NoReply<S>(S state, Action action) implements NoReplyResult<S> {
    public NoReply { Objects.requireNonNull(action, "action"); }
  }

  /** Stop with {@code reason}, after running {@code terminate(reason, state)}. */
  record Stop<S>(ExitReason reason, S state) implements NoReplyResult<S> {
    public Stop { Objects.requireNonNull(reason, "reason"); }
  }

  /**
   * The result comes later. Until {@code result} completes the server handles no other message:
   * messages that arrive meanwhile wait and are handled afterwards, in arrival order. A failed
   * future stops the server with the failure as a crash. When it completes with a result that the
   * callback could not have returned directly (a reply from {@code handleCast}), the server stops
   * with a bad-return crash.
   */
  record Async<S>(Future<? extends CallResult<S>> result) implements NoReplyResult<S> {
    public Async { Objects.requireNonNull(result, "result"); }
  }
}
