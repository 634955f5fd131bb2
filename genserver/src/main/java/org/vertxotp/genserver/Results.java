package org.vertxotp.genserver;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * Factories for every callback result, named after OTP's return tuples. Meant for
 * {@code import static org.vertxotp.genserver.Results.*;}.
 *
 * <pre>{@code
 * return reply(count, count + 1);                 // {reply, Count, Count + 1}
 * return noreply(state, Duration.ofSeconds(30));  // {noreply, State, 30000}
 * return stop(ExitReason.normal(), "bye", state); // {stop, normal, bye, State}
 * }</pre>
 */
public final class Results {

  private Results() {
  }

  // ---- init

  /** {@code {ok, State}}. */
  public static <S> InitResult<S> ok(S state) {
    return new InitResult.Ok<>(state, Action.NONE);
  }

  /** {@code {ok, State, Timeout}}; {@link GenServer#INFINITY} means no timeout. */
  public static <S> InitResult<S> ok(S state, Duration timeout) {
    return new InitResult.Ok<>(state, Action.timeout(timeout));
  }

  /** {@code {ok, State, Action}}, e.g. {@code ok(s, Action.continueWith(c))}. */
  public static <S> InitResult<S> ok(S state, Action action) {
    return new InitResult.Ok<>(state, action);
  }

  /** {@code {stop, Reason}} from init: the start fails with the reason. */
  public static <S> InitResult<S> stop(ExitReason reason) {
    return new InitResult.Stop<>(reason);
  }

  /** {@code ignore} from init. */
  public static <S> InitResult<S> ignore() {
    return new InitResult.Ignore<>();
  }

  /** An init result that comes later; the server is not reachable before it does. */
  public static <S> InitResult<S> asyncInit(Future<InitResult<S>> result) {
    return new InitResult.Async<>(result);
  }

  // ---- handleCall

  /** {@code {reply, Reply, State}}. */
  public static <S> CallResult<S> reply(Object reply, S state) {
    return new CallResult.Reply<>(reply, state, Action.NONE);
  }

  /** {@code {reply, Reply, State, Timeout}}. */
  public static <S> CallResult<S> reply(Object reply, S state, Duration timeout) {
    return new CallResult.Reply<>(reply, state, Action.timeout(timeout));
  }

  /** {@code {reply, Reply, State, Action}}. */
  public static <S> CallResult<S> reply(Object reply, S state, Action action) {
    return new CallResult.Reply<>(reply, state, action);
  }

  /** {@code {stop, Reason, Reply, State}}: the reply is sent after {@code terminate} ran. */
  public static <S> CallResult<S> stop(ExitReason reason, Object reply, S state) {
    return new CallResult.StopWithReply<>(reason, reply, state);
  }

  /** Fail the caller with {@link CallFailure#BAD_MESSAGE}; the server goes on with {@code state}. */
  public static <S> CallResult<S> reject(String why, S state) {
    return new CallResult.Reject<>(why, state);
  }

  // ---- every handler

  /** {@code {noreply, State}}. From handleCall: reply later through {@link From#reply}. */
  public static <S> NoReplyResult<S> noreply(S state) {
    return new NoReplyResult.NoReply<>(state, Action.NONE);
  }

  /** {@code {noreply, State, Timeout}}. */
  public static <S> NoReplyResult<S> noreply(S state, Duration timeout) {
    return new NoReplyResult.NoReply<>(state, Action.timeout(timeout));
  }

  /** {@code {noreply, State, Action}}. */
  public static <S> NoReplyResult<S> noreply(S state, Action action) {
    return new NoReplyResult.NoReply<>(state, action);
  }

  /** {@code {noreply, State, {continue, Continue}}}: {@code handleContinue} runs next. */
  public static <S> NoReplyResult<S> continueWith(Object continuation, S state) {
    return new NoReplyResult.NoReply<>(state, Action.continueWith(continuation));
  }

  /** {@code {stop, Reason, State}}. */
  public static <S> NoReplyResult<S> stop(ExitReason reason, S state) {
    return new NoReplyResult.Stop<>(reason, state);
  }

  /**
   * A result that comes later. The server's mailbox is held until it completes: see
   * {@link NoReplyResult.Async}.
   */
  public static <S> NoReplyResult<S> async(Future<? extends CallResult<S>> result) {
    return new NoReplyResult.Async<>(result);
  }
}
