package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;

/**
 * A call from this Vert.x instance. The caller's future completes on the caller's context (or,
 * for a caller outside any context, on the thread that settled it). Its timer is the caller's
 * and is armed on the caller's context.
 */
final class LocalCall extends OutstandingCall implements Handler<Long> {

  private static final long NO_TIMER = -1;

  private final Node node;
  private final Context callerContext;
  private final Promise<Object> promise = Promise.promise();
  private long timer = NO_TIMER;
  private boolean timedOut;

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
    timer = node.vertx().setTimer(millis, this);
  }

  /** The call's timeout fired. */
  @Override
  public void handle(Long timerId) {
    timedOut = true;
    fail(new CallException(CallFailure.TIMEOUT, "no reply from " + target.ref() + " in time"));
  }

  @Override
  void release() {
    if (timer != NO_TIMER && !timedOut) {
      node.vertx().cancelTimer(timer);
    }
    node.callSettled();
  }

  @Override
  void onReply(Object value) {
    if (callerContext == null) {
      promise.complete(value);
    } else {
      callerContext.runOnContext(v -> promise.complete(value));
    }
  }

  @Override
  void onFailure(CallException failure) {
    if (callerContext == null) {
      promise.fail(failure);
    } else {
      callerContext.runOnContext(v -> promise.fail(failure));
    }
  }
}
