package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Clock;

/**
 * A call from this Vert.x instance. The caller's future completes on the caller's context (or,
 * for a caller outside any context, on the thread that settled it). Its timer is the caller's
 * and is armed on the caller's context.
 */
final class LocalCall extends OutstandingCall {

  private final Node node;
  private final Context callerContext;
  private final Promise<Object> promise = Promise.promise();
  private Clock.Scheduled timer;

  LocalCall(Node node, ServerProcess<?, ?> target, Context callerContext) {
    super(target);
    this.node = node;
    this.callerContext = callerContext;
  }

  Future<Object> future() {
    return promise.future();
  }

  /** Arms the call's timeout; called before the request is sent, so before any reply. */
  void armTimeout(long millis) {
    timer = node.clock().schedule(millis,
        () -> fail(new CallException(CallFailure.TIMEOUT, "no reply from " + target.ref() + " in time")));
  }

  @Override
  void release() {
    if (timer != null) {
      timer.cancel(); // harmless when it is the timeout that settled the call
    }
    node.callSettled();
  }

  @Override
  void onReply(Object value) {
    onCallerContext(callerContext, () -> promise.complete(value));
  }

  @Override
  void onFailure(CallException failure) {
    onCallerContext(callerContext, () -> promise.fail(failure));
  }

  /**
   * Completes a caller's future on the caller's context, always as a task of its own: never
   * inside the server's callback, even on the same event loop. A caller outside any context is
   * completed on the current thread.
   */
  static void onCallerContext(Context caller, Runnable completion) {
    if (caller == null) {
      completion.run();
    } else {
      caller.runOnContext(v -> completion.run());
    }
  }
}
