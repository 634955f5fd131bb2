package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.StartException;

/**
 * How a server ends, whatever ends it (a stop result, a crash, kill, shutdown, a failed start):
 * one sequence whose steps are each guarded, so that whatever a callback or a listener throws, the
 * name is freed, every monitor and caller is told, every waiter completes, and the reason is
 * reported once.
 */
final class Exit {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");
  /** Crash reports and failed starts, OTP's {@code crash_report}s: a logger of their own, to route them. */
  static final System.Logger REPORTS = System.getLogger("org.vertxotp.genserver.report");

  private static final VarHandle EXITED = Fields.of(MethodHandles.lookup(), "exited", Object.class);
  private static final VarHandle STOPPED = Fields.of(MethodHandles.lookup(), "stopped", Object.class);

  private final ServerProcess process;
  /** Known when the exit began: all is released, what remains is telling everyone. See {@link LazyOutcome}. */
  @SuppressWarnings("unused") // through EXITED
  private volatile Object exited;
  /** Known when the exit is complete. See {@link LazyOutcome}. */
  @SuppressWarnings("unused") // through STOPPED
  private volatile Object stopped;

  Exit(ServerProcess process) {
    this.process = process;
  }

  Future<Void> exited() {
    return LazyOutcome.future(EXITED, this);
  }

  Future<Void> stopped() {
    return LazyOutcome.future(STOPPED, this);
  }

  private void stoppedNow() {
    LazyOutcome.complete(STOPPED, this, null);
  }

  /**
   * Releases everything at once (so the name is free before anyone hears of the stop), undeploys
   * the server's verticle if it stopped by itself, and then answers the stop reply, tells every
   * monitor and caller, completes every waiter and reports the reason. A non-null
   * {@code startFailure} fails the start instead (init did not return ok). The server's context.
   */
  void run(ExitReason reason, Runnable replyAfterTerminate, StartException startFailure) {
    ServerProcess p = process;
    guarded(p.loop::close, "closing the loop");
    guarded(p::closeTimers, "cancelling timers");
    guarded(p.ownMonitors::cancelAll, "cancelling monitors");
    Future<Void> nameReleased;
    try {
      nameReleased = p.placement.unregister();
    } catch (Throwable t) {
      LOG.log(Level.ERROR, () -> p + ": failed unregistering while stopping", t);
      nameReleased = Future.succeededFuture();
    }
    p.node.dropped(p.mailbox.clear());
    p.cancelShutdownKill();
    LazyOutcome.complete(EXITED, this, null);
    // The name is released and (stopped by itself) the verticle gone before anyone hears of the stop.
    p.placement.thenFinish(startFailure != null, nameReleased, () -> finish(reason, replyAfterTerminate, startFailure));
  }

  private void finish(ExitReason reason, Runnable replyAfterTerminate, StartException startFailure) {
    ServerProcess p = process;
    p.ended();
    p.node.table().gone(p); // no longer counted (nor metered) by the time anyone hears of the stop
    p.node.observer().exited(p, reason);
    if (replyAfterTerminate != null) {
      guarded(replyAfterTerminate, "replying after terminate");
    }
    p.signals.exit(reason, step -> guarded(step, "telling who waits for the exit"));
    guarded(() -> p.signals.exitLinked(reason), "stopping linked children");
    p.leaveSupervisor();
    if (startFailure != null) {
      p.placement.startFailed(startFailure);
    }
    stoppedNow();
    if (reason.isAbnormal() && !(reason instanceof ExitReason.Killed)) {
      // After everyone waiting was told: formatting a report is slow.
      REPORTS.log(Level.ERROR, () -> p + (startFailure != null ? " failed to start: " : " terminated: ") + reason,
          causeOf(reason));
    }
  }

  /**
   * The server never booted (its deployment failed around it): it is forgotten, and whoever
   * monitors it (a link, a kill waiter) is told. No-op if it booted: its own exit did all this.
   */
  void abandon() {
    ServerProcess p = process;
    if (p.placement.abandon()) {
      p.placement.unregister().onComplete(released -> {
        p.ended();
        p.node.table().gone(p);
        p.signals.exit(ExitReason.NOPROC, step -> guarded(step, "telling who waits for the exit"));
        p.leaveSupervisor();
        stoppedNow();
      });
    }
  }

  private void guarded(Runnable step, String what) {
    try {
      step.run();
    } catch (Throwable t) {
      LOG.log(Level.ERROR, () -> process + ": failed " + what + " while stopping", t);
    }
  }

  static Throwable causeOf(ExitReason reason) {
    return reason instanceof ExitReason.Crash crash ? crash.cause() : null;
  }
}
