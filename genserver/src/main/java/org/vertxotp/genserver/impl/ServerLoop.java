package org.vertxotp.genserver.impl;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import org.vertxotp.genserver.Action;
import org.vertxotp.genserver.BadReturnException;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.Lease;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.StartException;

/**
 * The generic server loop (OTP's {@code gen_server} loop): takes one message at a time from the
 * process's mailbox, runs the callback, and acts on its result exactly as OTP does; between
 * callbacks it answers {@code sys} requests ({@link SysRequests}). Confined to the server's
 * context; it runs only inside the process's own tasks.
 *
 * <p>{@code busy} is the single "a callback is in progress" flag: it is set while a callback runs
 * and while an async result is pending, and the drain respects it, which is what holds the
 * mailbox and prevents re-entrance.
 */
final class ServerLoop<A, S> {

  /** Messages handled per drain task before other work on the event loop gets its turn. */
  private static final int BATCH = 64;

  final ServerProcess process;
  final GenServer<A, S> behaviour;
  final SysRequests<S> sys;
  S state;
  private boolean busy = true;
  /** Counts handled messages: a result timeout armed after message n is stale once n changed. */
  private long generation;
  private Envelope.Continue pendingContinue;
  private TimerEntry resultTimeout;
  private ExitReason pendingShutdown;
  private boolean shutdownRequested;
  /** While suspended by {@code sys}, messages other than system ones wait here, in order. */
  boolean suspended;
  private ArrayDeque<Envelope> deferred;
  /** The server's watch of its lease, if it has one; cancelled when it exits. */
  private Lease.Subscription leaseWatch;

  ServerLoop(ServerProcess process, GenServer<A, S> behaviour) {
    this.process = process;
    this.behaviour = behaviour;
    this.sys = new SysRequests<>(this);
  }

  // ---- init

  void init(Object args) {
    @SuppressWarnings("unchecked")
    A typed = (A) args;
    InitResult<S> result;
    try {
      Lease lease = process.lease;
      if (lease != null) {
        leaseWatch = lease.onChange(process::leaseChanged);
      }
      result = lapsed() ? new InitResult.Stop<>(LEASE_LAPSED) : process.runAs(() -> behaviour.init(typed));
    } catch (Throwable t) {
      result = new InitResult.Stop<>(ExitReason.crash(t));
    }
    onInit(typed, result);
  }

  /** Why a server whose lease lapsed stops. */
  static final ExitReason LEASE_LAPSED = ExitReason.shutdown(Lease.LAPSED);

  /** Exits, as killed, if the server's lease lapsed: true if it did. The server's context. */
  private boolean exitedOnLapse() {
    if (!lapsed()) {
      return false;
    }
    process.exit(LEASE_LAPSED, null, null);
    return true;
  }

  /** True if the server has a lease and it is not valid: the server must not act. Any thread. */
  boolean lapsed() {
    Lease lease = process.lease;
    if (lease == null) {
      return false;
    }
    try {
      return !lease.isValid();
    } catch (RuntimeException e) { // a lease that cannot say is not valid
      return true;
    }
  }

  private void onInit(A args, InitResult<S> result) {
    if (lapsed()) { // what init decided (a child's start that failed on the lapse, say) no longer counts
      process.exit(LEASE_LAPSED, null, StartException.initStopped(LEASE_LAPSED));
      return;
    }
    if (result instanceof InitResult.Ok<S> ok) {
      state = ok.state();
      busy = false;
      sys.started();
      process.running();
      act(ok.action());
      process.drainHere();
    } else if (result instanceof InitResult.Stop<S> stop) {
      process.exit(stop.reason(), null, StartException.initStopped(stop.reason()));
    } else if (result instanceof InitResult.Ignore<S>) {
      process.exit(ExitReason.normal(), null, StartException.ignored());
    } else if (result instanceof InitResult.Async<S> async) {
      async.result().onComplete(ar -> process.node.execute(process.context(), v -> {
        if (process.phase == ServerProcess.Phase.STARTING) { // unless killed meanwhile
          onInit(args, ar.succeeded() ? ar.result() : new InitResult.Stop<>(ExitReason.crash(ar.cause())));
        }
      }));
    } else {
      ExitReason reason = ExitReason.crash(new BadReturnException("init", args, result));
      process.exit(reason, null, StartException.initStopped(reason));
    }
  }

  // ---- the mailbox

  /** True if a drain would handle something now. */
  boolean hasWork() {
    return !busy && process.phase == ServerProcess.Phase.RUNNING
        && (pendingShutdown != null || !process.mailbox.isEmpty()
            || (!suspended && (pendingContinue != null || (deferred != null && !deferred.isEmpty()))));
  }

  /** Handles messages until none is left, a callback holds the mailbox, the server stops, or a batch is done. */
  void drain() {
    for (int handled = 0; handled < BATCH; handled++) {
      if (busy || process.phase != ServerProcess.Phase.RUNNING) {
        return;
      }
      if (exitedOnLapse()) { // nothing more: no message, no continue, no sys request, no terminate
        return;
      }
      Envelope next = suspended ? null : pendingContinue;
      if (next == null && pendingShutdown != null) { // a continue runs first, as OTP's handle_continue
        beginStop(pendingShutdown, null);
        return;
      }
      if (next != null) {
        pendingContinue = null;
      } else if (!suspended && deferred != null && !deferred.isEmpty()) {
        next = deferred.poll();
        process.mailbox.consumed(next);
      } else if ((next = process.mailbox.poll()) == null) {
        return;
      } else if (suspended && !(next instanceof Envelope.System) && !(next instanceof Envelope.Stop)) {
        if (deferred == null) {
          deferred = new ArrayDeque<>();
        }
        deferred.add(next); // keeps its place in a bounded mailbox
        continue;
      } else {
        process.mailbox.consumed(next);
      }
      if (next instanceof Envelope.System request) {
        sys.answer(request);
      } else {
        handle(next); // a stop request is handled even while suspended, as OTP's sys:terminate
      }
    }
  }

  /**
   * Asks the loop to stop with {@code reason} once its current callback is done, ahead of queued
   * messages; true the first time (the caller then arms the kill that bounds it).
   */
  boolean requestShutdown(ExitReason reason) {
    if (shutdownRequested) {
      return false;
    }
    shutdownRequested = true;
    if (process.phase != ServerProcess.Phase.STOPPING) {
      pendingShutdown = reason;
    }
    return true;
  }

  private void handle(Envelope envelope) {
    if (envelope instanceof Envelope.KeyedTimer timer && !process.timers().claim(timer.entry())) {
      return; // replaced or cancelled after it fired: for the server it never arrived
    }
    if (envelope instanceof Envelope.MonitorDown down) {
      process.disown(down.monitor());
      if (down.monitor().flushed) {
        return; // demonitored with flush after it fired
      }
    }
    if (envelope instanceof Envelope.ResultTimeout timeout && timeout.generation() != generation) {
      return; // another message was handled since it was armed
    }
    cancelResultTimeout();
    generation++;
    if (envelope instanceof Envelope.Stop stop) {
      beginStop(stop.payload(), null);
      return;
    }
    CallResult<S> result;
    busy = true;
    long began = sys.callbackBegins();
    ServerProcess previous = process.enter();
    try {
      result = invoke(envelope);
    } catch (Throwable t) {
      ServerProcess.leave(previous);
      sys.callbackEnded(began);
      busy = false;
      crash(t);
      return;
    }
    ServerProcess.leave(previous);
    sys.callbackEnded(began);
    busy = false;
    apply(envelope, result);
  }

  private CallResult<S> invoke(Envelope envelope) throws Exception {
    if (envelope instanceof Envelope.Call call) {
      return behaviour.handleCall(call.payload(), call.from(), state);
    } else if (envelope instanceof Envelope.Cast cast) {
      return behaviour.handleCast(cast.payload(), state);
    } else if (envelope instanceof Envelope.Continue next) {
      return behaviour.handleContinue(next.payload(), state);
    }
    return behaviour.handleInfo(envelope.payload(), state);
  }

  private static String callbackOf(Envelope envelope) {
    if (envelope instanceof Envelope.Call) {
      return "handleCall";
    } else if (envelope instanceof Envelope.Cast) {
      return "handleCast";
    } else if (envelope instanceof Envelope.Continue) {
      return "handleContinue";
    }
    return "handleInfo";
  }

  // ---- results

  private void apply(Envelope envelope, CallResult<S> result) {
    if (result instanceof NoReplyResult.Async<S> async) {
      busy = true;
      async.result().onComplete(ar -> process.node.execute(process.context(), v -> resume(envelope, ar)));
    } else if (result instanceof NoReplyResult.NoReply<S> noReply) {
      state = noReply.state();
      act(noReply.action());
    } else if (result instanceof NoReplyResult.Stop<S> stop) {
      state = stop.state();
      beginStop(stop.reason(), null);
    } else if (envelope instanceof Envelope.Call call && result instanceof CallResult.Reply<S> reply) {
      state = reply.state();
      if (answer(call, "reply", () -> call.from().reply(reply.reply()))) {
        act(reply.action());
      }
    } else if (envelope instanceof Envelope.Call call && result instanceof CallResult.StopWithReply<S> stop) {
      state = stop.state();
      if (call.from().isAnswered()) {
        crash(answeredTwice(call, "stop with a reply"));
      } else {
        beginStop(stop.reason(), () -> call.from().reply(stop.reply()));
      }
    } else if (envelope instanceof Envelope.Call call && result instanceof CallResult.Reject<S> reject) {
      state = reject.state();
      answer(call, "reject", () -> call.from().reject(reject.why()));
    } else {
      crash(new BadReturnException(callbackOf(envelope), envelope.payload(), result));
    }
  }

  /** An async result completed: act on it as if the callback had returned it, then take the next message. */
  private void resume(Envelope envelope, AsyncResult<? extends CallResult<S>> outcome) {
    busy = false;
    if (process.phase != ServerProcess.Phase.RUNNING) {
      return; // killed meanwhile: the result is dropped
    }
    if (exitedOnLapse()) {
      return;
    }
    if (outcome.failed()) {
      crash(outcome.cause());
    } else {
      apply(envelope, outcome.result());
    }
    process.drainHere();
  }

  /** Answers the caller as the result says; a caller already answered through its From is the callback's bug. */
  private boolean answer(Envelope.Call call, String what, Runnable answer) {
    if (call.from().isAnswered()) {
      crash(answeredTwice(call, what));
      return false;
    }
    try {
      answer.run();
      return true;
    } catch (IllegalStateException raced) { // answered from another thread meanwhile
      crash(answeredTwice(call, what));
      return false;
    }
  }

  private static IllegalStateException answeredTwice(Envelope.Call call, String what) {
    return new IllegalStateException("handleCall returned " + what + " for a caller it had already answered"
        + " through From (request " + call.payload().getClass().getName() + ")");
  }

  private void act(Action action) {
    if (action instanceof Action.Continue next) {
      pendingContinue = new Envelope.Continue(next.value());
    } else if (action instanceof Action.Timeout timeout) {
      armResultTimeout(timeout.after());
    }
  }

  private void crash(Throwable cause) {
    beginStop(ExitReason.crash(cause), null);
  }

  // ---- stopping

  /**
   * Runs terminate (holding the mailbox), then exits. A terminate that throws changes the reason
   * to that crash, and the stop's reply is then not sent (the caller sees the crash), as in OTP.
   */
  void beginStop(ExitReason reason, Runnable replyAfterTerminate) {
    if (exitedOnLapse()) { // terminate is no longer the server's to run
      return;
    }
    cancelResultTimeout();
    busy = true;
    process.phase = ServerProcess.Phase.STOPPING;
    if (behaviour instanceof AsyncTerminate<?> asyncTerminate) {
      @SuppressWarnings("unchecked")
      AsyncTerminate<S> terminating = (AsyncTerminate<S>) asyncTerminate;
      Future<Void> done;
      try {
        done = process.runAs(() -> terminating.terminateAsync(reason, state));
      } catch (Throwable t) {
        done = Future.failedFuture(t);
      }
      done.onComplete(ar -> process.node.execute(process.context(), v -> {
        if (process.phase == ServerProcess.Phase.STOPPING) { // unless killed meanwhile
          process.exit(ar.succeeded() ? reason : ExitReason.crash(ar.cause()),
              ar.succeeded() ? replyAfterTerminate : null, null);
        }
      }));
      return;
    }
    ExitReason finalReason = reason;
    Runnable reply = replyAfterTerminate;
    try {
      process.runAs(() -> {
        behaviour.terminate(reason, state);
        return null;
      });
    } catch (Throwable t) {
      finalReason = ExitReason.crash(t);
      reply = null;
    }
    process.exit(finalReason, reply, null);
  }

  /** The process exits: nothing of the loop may act again. */
  void close() {
    busy = true;
    cancelResultTimeout();
    pendingContinue = null;
    pendingShutdown = null;
    if (deferred != null) {
      for (Envelope setAside : deferred) {
        process.mailbox.consumed(setAside);
        if (setAside instanceof Envelope.Piped) {
          process.node.dropped(1);
        }
      }
      deferred = null;
    }
    state = null;
    Lease.Subscription watch = leaseWatch;
    leaseWatch = null;
    if (watch != null) {
      watch.cancel(); // last: a lease that throws here (the exit reports it) leaves the rest closed
    }
  }

  /** True while a callback runs or an async result holds the mailbox. The server's context. */
  boolean isBusy() {
    return busy;
  }

  /**
   * Messages waiting for the server: in the mailbox, and set aside while suspended. Read by metrics
   * from other threads too, where an approximate figure is all that is promised.
   */
  int waiting() {
    ArrayDeque<Envelope> setAside = deferred;
    return process.mailbox.size(setAside == null ? 0 : setAside.size());
  }

  // ---- result timeouts: one-shot, and stale once any other message was handled

  private void armResultTimeout(Duration after) {
    if (after.isZero()) {
      // Behind whatever already waits in the mailbox: a waiting message wins.
      process.mailbox.put(new Envelope.ResultTimeout(generation));
    } else {
      resultTimeout = process.timers().arm(TimerEntry.Kind.RESULT_TIMEOUT, TimerService.timeoutNanos(after), null,
          generation, null);
    }
  }

  private void cancelResultTimeout() {
    if (resultTimeout != null) {
      resultTimeout.cancel();
      resultTimeout = null;
    }
  }
}
