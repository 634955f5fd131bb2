package org.vertxotp.genserver.impl;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.ServerRef;

/**
 * One call in flight: the server's {@link From} and a monitor of the server at once, so that a
 * reply, the server's death and (for local callers) the timeout race through one gate and
 * exactly one of them reaches the caller.
 *
 * <p>Two flags, because they answer two questions: {@code answered} is the server's "did I
 * reply already?" (a second reply is a bug, so it throws), {@code settled} is the caller's
 * "is my outcome decided?" (a reply after a timeout is dropped silently).
 */
abstract class OutstandingCall implements From, DownListener {

  private static final AtomicIntegerFieldUpdater<OutstandingCall> ANSWERED =
      AtomicIntegerFieldUpdater.newUpdater(OutstandingCall.class, "answered");
  private static final AtomicIntegerFieldUpdater<OutstandingCall> SETTLED =
      AtomicIntegerFieldUpdater.newUpdater(OutstandingCall.class, "settled");

  final ServerProcess target;
  private volatile int answered;
  private volatile int settled;

  OutstandingCall(ServerProcess target) {
    this.target = target;
  }

  /**
   * The one way a call gets into its server's mailbox, once its place was taken there
   * ({@link ServerProcess#admit}; a {@code sys} request takes none): the server is monitored for
   * it, so that its exit fails the call, then the call is queued. False if the server is gone
   * already: the place is given back, and the caller's side fails the call with
   * {@code NO_SERVER} its own way (a future, an event-bus failure, the other node's answer).
   */
  final boolean place(Envelope envelope, boolean admitted) {
    if (!target.monitor(this)) {
      if (admitted) {
        target.release();
      }
      return false;
    }
    if (isSettled()) {
      target.demonitor(this); // its timeout won meanwhile: its settling found no monitor to drop yet
    }
    if (admitted) {
      target.enqueueAdmitted(envelope);
    } else {
      target.enqueue(envelope);
    }
    return true;
  }

  /** Delivers the reply value to the caller; runs at most once, after the gate. */
  abstract void onReply(Object value);

  /** Delivers a failure to the caller; runs at most once, after the gate. */
  abstract void onFailure(Throwable failure);

  /** False for a {@code sys} request, whose answer is not one of the server's calls answered. */
  boolean isCall() {
    return true;
  }

  /** Releases what the call holds (timer, counters); runs once, for whichever outcome won. */
  void release() {
  }

  @Override
  public final void reply(Object value) {
    markAnswered();
    if (settle()) {
      onReply(value);
    }
  }

  @Override
  public final void reject(String why) {
    markAnswered();
    fail(new CallException(CallFailure.BAD_MESSAGE, "rejected by " + target.ref() + ": " + why));
  }

  /** True once the caller's outcome is decided (answered, failed, timed out). */
  final boolean isSettled() {
    return settled != 0;
  }

  @Override
  public final boolean isAnswered() {
    return answered != 0;
  }

  @Override
  public final void down(ServerRef server, ExitReason reason) {
    fail(CallException.exited(server, reason));
  }

  final void fail(CallException failure) {
    if (settle()) {
      onFailure(failure);
    }
  }

  /**
   * Answers the caller with a failure of the toolkit's own making (a supervisor's child that did
   * not start fails {@code startChild} with its {@code StartException}), not a reply value.
   */
  final void answerWithFailure(Throwable failure) {
    markAnswered();
    if (settle()) {
      onFailure(failure);
    }
  }

  private void markAnswered() {
    if (!ANSWERED.compareAndSet(this, 0, 1)) {
      throw new IllegalStateException("this caller of " + target.ref() + " was already answered");
    }
    if (isCall()) {
      target.loop.sys.answered();
    }
  }

  private boolean settle() {
    if (!SETTLED.compareAndSet(this, 0, 1)) {
      return false;
    }
    target.demonitor(this);
    release();
    return true;
  }
}
