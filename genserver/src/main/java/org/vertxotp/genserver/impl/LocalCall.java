package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.time.Clock;

/**
 * A call from this Vert.x instance. The caller's future completes on the caller's context (or,
 * for a caller on no context, on the toolkit's), always as a task of its own: never inside the
 * server's callback, even on the same event loop. Its timeout runs on the caller's context too,
 * and does not die with the caller's deployment; a call without timeout from a verticle is
 * settled when that verticle is undeployed, so that nothing of it stays behind.
 */
final class LocalCall extends OutstandingCall implements Closeable {

  private final Node node;
  private final Context callerContext;
  private final boolean system;
  /** When the call was made, if metrics time calls; else 0. */
  private final long madeAt;
  private final Promise<Object> promise = Promise.promise();
  // Written before the call is monitored or sent; whoever settles it later saw that happen.
  private Clock.Scheduled timer;
  private boolean hooked;

  LocalCall(Node node, ServerProcess target, Context callerContext, boolean system) {
    super(target);
    this.node = node;
    this.callerContext = callerContext;
    this.system = system;
    this.madeAt = !system && node.observer().timesCallbacks() ? System.nanoTime() : 0;
  }

  @Override
  boolean isCall() {
    return !system;
  }

  Future<Object> future() {
    return promise.future();
  }

  /** Arms the call's timeout; called before the request is sent, so before any reply. */
  void armTimeout(Duration timeout) {
    if (!Router.isInfinite(timeout)) {
      timer = node.clock().schedule(callerContext, TimerService.timeoutNanos(timeout),
          () -> fail(new CallException(CallFailure.TIMEOUT, "no reply from " + target.ref() + " in time")));
    } else if (VertxInternals.isDeployment(callerContext)) {
      hooked = VertxInternals.onClose(callerContext, this);
      if (!hooked) {
        fail(new CallException(CallFailure.TIMEOUT, "the caller of " + target.ref() + " is already undeployed"));
      }
    }
  }

  /** The caller's verticle was undeployed while it waited without a timeout: nobody is left to answer. */
  @Override
  public void close(Completable<Void> completion) {
    hooked = false; // Vert.x forgets the hook as it runs it
    fail(new CallException(CallFailure.TIMEOUT, "the caller of " + target.ref() + " was undeployed"));
    completion.succeed();
  }

  @Override
  void release() {
    if (timer != null) {
      timer.cancel(); // harmless when it is the timeout that settled the call
    }
    if (hooked) {
      VertxInternals.forgetOnClose(callerContext, this);
    }
    node.router().callSettled();
    if (madeAt != 0) {
      node.observer().callCompleted(target, System.nanoTime() - madeAt);
    }
  }

  @Override
  void onReply(Object value) {
    node.execute(callerContext, v -> promise.complete(value));
  }

  @Override
  void onFailure(Throwable failure) {
    node.execute(callerContext, v -> promise.fail(failure));
  }
}
