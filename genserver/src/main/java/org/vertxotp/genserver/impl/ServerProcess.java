package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Lease;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.Clock;

/**
 * One server as a process (OTP's {@code proc_lib} layer): its identity and phase, the task that
 * drains its {@link Mailbox} on the server's context, who it runs as, and the signals other code
 * sends it from any thread (kill, shutdown, links). Its parts: the {@link ServerLoop} decides what
 * a message does; {@link Placement} boots it where it lives; {@link Signals} says who hears of its
 * exit; {@link Exit} ends it, whatever ends it.
 *
 * <h2>Confinement</h2>
 * The mailbox, the signals and the few volatile fields are shared; everything else is confined
 * to the server's context. The loop only ever runs as a task of the server's own on that context
 * (a drain, a start, a stop): never inside another server's or verticle's call stack, even when
 * they share the event loop or the context.
 */
final class ServerProcess implements Handler<Void> {

  private static final ThreadLocal<ServerProcess> CURRENT = new ThreadLocal<>();
  private static final AtomicIntegerFieldUpdater<ServerProcess> DRAIN =
      AtomicIntegerFieldUpdater.newUpdater(ServerProcess.class, "drainScheduled");
  private static final AtomicReferenceFieldUpdater<ServerProcess, TimerTable> TIMERS =
      AtomicReferenceFieldUpdater.newUpdater(ServerProcess.class, TimerTable.class, "timers");

  enum Phase { NEW, STARTING, RUNNING, STOPPING, STOPPED }

  final Node node;
  final ServerRef ref;
  final ServerName name;
  final ServerLoop<?, ?> loop;
  final Mailbox mailbox;
  final Signals signals;
  final Placement placement;
  final OwnMonitors ownMonitors;
  private final Exit exit;
  private final Duration shutdownTimeout;
  /** Whether it registers a consumer at its own address for plain Vert.x programs. */
  final boolean ownAddress;
  /** What fences the server, or null: see {@code StartOptions.setLease}. */
  final Lease lease;

  // ---- shared with other threads
  private volatile int drainScheduled;
  private volatile ServerProcess parent;
  private volatile ExitReason killReason;
  /** Written once when the server boots, before it can run anything; read from other threads. */
  private volatile Context context;
  /** Made by the first timer (most servers arm none); see {@link #timers()}. */
  private volatile TimerTable timers;
  /** True until init returned ok (or the server exited): a supervisor being shut down kills such children. */
  private volatile boolean starting = true;
  private volatile boolean shuttingDown;

  // ---- confined to the server's context
  Phase phase = Phase.NEW;
  private Clock.Scheduled shutdownKill;

  <A, S> ServerProcess(Node node, GenServer<A, S> behaviour, ServerRef ref, ServerName name, StartOptions options) {
    this.node = node;
    this.ref = ref;
    this.name = name;
    this.shutdownTimeout = options.getShutdownTimeout().orElse(StartOptions.DEFAULT_SHUTDOWN_TIMEOUT);
    this.ownAddress = options.hasOwnAddress();
    this.lease = options.getLease().orElse(null);
    this.mailbox = new Mailbox(options.getMailboxLimit());
    this.signals = new Signals(ref);
    this.placement = new Placement(this);
    this.ownMonitors = new OwnMonitors(this);
    this.exit = new Exit(this);
    this.loop = new ServerLoop<>(this, behaviour);
  }

  ServerRef ref() {
    return ref;
  }

  ServerName name() {
    return name;
  }

  /** The context the server runs on; null until it booted. */
  Context context() {
    return context;
  }

  /** The timers this server owns, made on first use; null until it booted. Any thread. */
  TimerTable timers() {
    TimerTable table = timers;
    if (table == null) {
      Context ctx = context;
      if (ctx == null) {
        return null;
      }
      TimerTable fresh = new TimerTable(node, ctx, this);
      table = TIMERS.compareAndSet(this, null, fresh) ? fresh : timers;
    }
    return table;
  }

  /**
   * The server exits: its timers are cancelled, and any armed later are cancelled as they arrive.
   * A server that never had a table gets the node's closed one, not a table of its own.
   */
  void closeTimers() {
    if (timers == null && TIMERS.compareAndSet(this, null, node.closedTimers())) {
      return;
    }
    timers.close();
  }

  /** Timers pending, without making a table for a server that has none. The server's context. */
  int pendingTimers() {
    TimerTable table = timers;
    return table == null ? 0 : table.size();
  }

  /** The drain task, run on the server's context (the process is its own task: one object less per server). */
  @Override
  public void handle(Void ignored) {
    drain();
  }

  boolean isRoot() {
    return parent == null;
  }

  // ---- who runs

  /**
   * Marks what runs on this thread from now on as this server's code, until {@link #leave}; the
   * loop uses it per message, where a closure for {@link #runAs} would be allocated each time.
   * Returns what to restore.
   */
  ServerProcess enter() {
    ServerProcess previous = CURRENT.get();
    CURRENT.set(this);
    return previous;
  }

  /** Ends what {@link #enter} began. */
  static void leave(ServerProcess previous) {
    CURRENT.set(previous);
  }

  /** Runs {@code callback} as this server's code: {@code self()}, timers and monitors belong to it. */
  <T> T runAs(ThrowingSupplier<T> callback) throws Exception {
    ServerProcess previous = enter();
    try {
      return callback.get();
    } finally {
      leave(previous);
    }
  }

  /**
   * True unless the thread, still inside this server's callback, runs another context's code: Vert.x
   * runs a listener of a future bound to another context inline when that context shares this
   * event-loop thread, and that code is not this server's.
   */
  private boolean runsHere() {
    Context own = context;
    return own == null || VertxInternals.isOn(own);
  }

  Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  /**
   * The server this code runs for: the one whose callback is on this thread, or, in a future's
   * continuation on a server's own verticle context, that server. Null elsewhere, including on a
   * context shared by several servers.
   */
  static ServerProcess current() {
    ServerProcess running = CURRENT.get();
    if (running != null && running.runsHere()) {
      return running;
    }
    Context context = VertxInternals.currentContext();
    return context == null ? null : Node.of(context.owner()).soleServerOf(context);
  }

  /**
   * True when the calling code runs for this server and a call to it could only wait for itself:
   * in its callback, or in a continuation on its own verticle context while an async result holds
   * its mailbox. (A handler on its context while it is idle, a periodic timer say, may call it.)
   */
  boolean isCurrent() {
    ServerProcess running = CURRENT.get();
    if (running != null && running.runsHere()) {
      return running == this;
    }
    Context own = context;
    return own != null && VertxInternals.isOn(own) && node.soleServerOf(own) == this && loop.isBusy();
  }

  // ---- the mailbox (any thread)

  /** Puts in a message that always gets in (the server's own timers, Downs, stop, system). */
  void enqueue(Envelope envelope) {
    mailbox.put(envelope);
    scheduleDrain();
  }

  /** Puts in a cast or info from another sender; dropped and counted at a full mailbox. */
  void offer(Envelope envelope) {
    if (mailbox.offer(envelope)) {
      scheduleDrain();
    } else {
      node.dropped(1);
    }
  }

  /** Takes a place for a call; false at a full mailbox (the call then fails at once). */
  boolean admit() {
    return mailbox.admit();
  }

  /** Gives back a place taken by {@link #admit} for a call that was not sent. */
  void release() {
    mailbox.unadmit();
  }

  /** Puts in a call whose place {@link #admit} took. */
  void enqueueAdmitted(Envelope envelope) {
    mailbox.putAdmitted(envelope);
    scheduleDrain();
  }

  /** Puts in the outcome of piped work, unless the server already exited: then it is dropped and counted. */
  void pipe(Object outcome) {
    if (signals.exited()) {
      node.dropped(1);
    } else {
      enqueue(new Envelope.Piped(outcome));
    }
  }

  /** Makes sure a drain task is queued on the server's context if the server can take messages. */
  void scheduleDrain() {
    Context ctx = context;
    // Pairs with boot: a sender that finds no context yet has put its message in first, and boot drains after setting it.
    if (ctx != null && drainScheduled == 0 && DRAIN.compareAndSet(this, 0, 1)) {
      node.execute(ctx, this);
    }
  }

  /** Drains now, from a task of this server's own on its context, unless a drain is already queued. */
  void drainHere() {
    if (drainScheduled == 0 && DRAIN.compareAndSet(this, 0, 1)) {
      drain();
    }
  }

  private void drain() {
    try {
      if (phase != Phase.STOPPED) {
        loop.drain();
      }
    } finally {
      mailbox.credit();
      drainScheduled = 0;
      if (phase == Phase.STOPPED) {
        // What arrived after the exit began (while this drain still held the flag) is dropped, piped
        // outcomes counted; anything arriving later schedules a drain of its own that ends here too.
        node.dropped(mailbox.clear());
      } else if (loop.hasWork()) {
        scheduleDrain();
      }
    }
  }

  // ---- monitors and links

  boolean monitor(DownListener listener) {
    return signals.monitor(listener);
  }

  void demonitor(DownListener listener) {
    signals.demonitor(listener);
  }

  /** Links this (not yet started) server to {@code supervisor}, which then monitors it from the start. */
  ServerMonitor linkTo(ServerProcess supervisor) {
    ServerMonitor link = node.monitoring().monitorFor(supervisor, this);
    joinSupervisor(supervisor);
    return link;
  }

  /** Makes {@code supervisor} this server's parent: it is no root any more, and dies if it outlives it. */
  void joinSupervisor(ServerProcess supervisor) {
    parent = supervisor;
    if (!supervisor.signals.link(this)) {
      kill(ExitReason.KILLED); // the supervisor is already gone: so is what it starts
    }
  }

  /** Remembers a monitor this server set up, to remove it when it stops. */
  void own(ServerMonitor monitor) {
    ownMonitors.add(monitor);
  }

  /** Forgets a monitor this server set up that fired or was demonitored. */
  void disown(ServerMonitor monitor) {
    ownMonitors.remove(monitor);
  }

  // ---- start

  /**
   * The server boots on {@code ctx} (this runs there): it can now be scheduled. Returns the reason
   * it was killed with before it booted, if it was.
   */
  ExitReason booting(Context ctx) {
    context = ctx;
    phase = Phase.STARTING;
    return killReason; // pairs with kill(): it writes the reason, then reads the context
  }

  /** init returned ok: the start completes, and messages that waited are handled next. */
  void running() {
    phase = Phase.RUNNING;
    starting = false;
    node.observer().started(this);
    placement.started();
  }

  // ---- signals

  /**
   * Stops the server at once, even mid-callback or mid-start, without terminate (Erlang's exit
   * signal {@code kill}, or a supervisor's exit with {@code reason}). Any thread.
   */
  void kill(ExitReason reason) {
    killReason = reason;
    Context ctx = context;
    if (ctx != null) {
      node.execute(ctx, v -> {
        if (phase == Phase.STARTING) {
          exit(reason, null, StartException.stoppedWhileStarting(reason, "killed while starting"));
        } else if (phase != Phase.STOPPED) {
          exit(reason, null, null);
        }
      });
    }
  }

  /** The lease told it may have changed (any thread): a server whose lease lapsed exits at once, idle or not. */
  void leaseChanged() {
    if (loop.lapsed()) {
      kill(ServerLoop.LEASE_LAPSED);
    }
  }

  /** Whether it was killed (its exit may still be on its way). Any thread. */
  boolean wasKilled() {
    return killReason != null;
  }

  /**
   * Stops the server as soon as its current callback (if any) completed, ahead of queued
   * messages: a host context's close, Vert.x closing. After the shutdown timeout it is killed.
   * Completes once the server is gone. Any thread.
   */
  Future<Void> shutdown(ExitReason reason) {
    return shutdown(reason, shutdownTimeout);
  }

  /**
   * {@link #shutdown(ExitReason)} with its own time to stop: how a supervisor stops a child (OTP's
   * {@code exit(Child, shutdown)} to a child trapping exits), even one that is suspended or
   * waiting for its own children to start.
   */
  Future<Void> shutdown(ExitReason reason, Duration timeout) {
    Context ctx = context;
    if (ctx == null) {
      kill(reason); // not booted yet: it never runs init
    } else {
      node.execute(ctx, v -> requestShutdown(reason, timeout));
    }
    return exit.stopped();
  }

  /** The verticle is being undeployed: stop, and complete once exited (the undeploy itself is Vert.x's). */
  Future<Void> shutdownForUndeploy() {
    if (phase != Phase.STOPPED) {
      requestShutdown(ExitReason.shutdown(), shutdownTimeout);
    }
    return exit.exited();
  }

  /** Completes once the server is gone, its exit complete. */
  Future<Void> stopped() {
    return exit.stopped();
  }

  private void requestShutdown(ExitReason reason, Duration timeout) {
    if (phase == Phase.STOPPED || !loop.requestShutdown(reason)) {
      return;
    }
    if (!Router.isInfinite(timeout)) {
      // On Vert.x's own close, real time: nobody will advance a manual clock for a closing instance.
      Clock clock = VertxInternals.isClosing(node.vertx()) ? VertxClock.REAL : node.clock();
      shutdownKill = clock.schedule(node.home(), TimerService.timeoutNanos(timeout), () -> kill(ExitReason.KILLED));
    }
    shuttingDown = true;
    // A supervisor waiting for a child whose init never ends would wait for ever: such children go.
    signals.killStarting(reason);
    drainHere();
  }

  boolean isStarting() {
    return starting;
  }

  /** True once it was asked to shut down from outside (a supervisor then restarts nothing). */
  boolean isShuttingDown() {
    return shuttingDown || VertxInternals.isClosing(node.vertx());
  }

  // ---- exit

  /** The one way out: see {@link Exit}. The server's context. */
  void exit(ExitReason reason, Runnable replyAfterTerminate, StartException startFailure) {
    if (phase == Phase.STOPPED) {
      return;
    }
    phase = Phase.STOPPED;
    exit.run(reason, replyAfterTerminate, startFailure);
  }

  /** The server never booted (its deployment failed around it): see {@link Exit#abandon}. */
  void abandon() {
    exit.abandon();
  }

  void cancelShutdownKill() {
    if (shutdownKill != null) {
      shutdownKill.cancel();
    }
  }

  /** The exit is complete: nothing of the server starts or runs any more. */
  void ended() {
    starting = false;
  }

  void leaveSupervisor() {
    ServerProcess supervisor = parent;
    if (supervisor != null) {
      supervisor.signals.unlink(this);
    }
  }

  @Override
  public String toString() {
    return ref + (name == null ? "" : " (" + name + ")");
  }
}
