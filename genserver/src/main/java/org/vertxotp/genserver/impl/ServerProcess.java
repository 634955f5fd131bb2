package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.vertxotp.genserver.Clock;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;

/**
 * One server as a process (OTP's {@code proc_lib} layer): its identity, its mailbox and the task
 * that drains it on the server's context, the signals other code sends it from any thread
 * (monitors, links, kill, shutdown), the start handshake, and the exit sequence. What the server
 * does with a message is the {@link ServerLoop}'s business.
 *
 * <h2>Confinement</h2>
 * The mailbox, the monitor sets and the few volatile flags are shared; everything else is
 * confined to the server's context. The loop only ever runs as a task of its own on that context
 * (a drain, a start, a stop): never inside another server's or verticle's call stack, even when
 * they share the event loop or the context.
 *
 * <h2>Exit</h2>
 * Every way out (a stop result, a crash, kill, shutdown, a failed start) ends in {@link #exit},
 * whose steps are each guarded: whatever a callback or a listener throws, the name is freed, every
 * monitor and caller is told, every waiter completes, and the reason is reported once.
 */
final class ServerProcess {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");
  /** Crash reports and failed starts, OTP's {@code crash_report}s: a logger of their own, to route them. */
  static final System.Logger REPORTS = System.getLogger("org.vertxotp.genserver.report");
  private static final ThreadLocal<ServerProcess> CURRENT = new ThreadLocal<>();
  private static final AtomicIntegerFieldUpdater<ServerProcess> DRAIN =
      AtomicIntegerFieldUpdater.newUpdater(ServerProcess.class, "drainScheduled");

  enum Phase { NEW, STARTING, RUNNING, STOPPING, STOPPED }

  final Node node;
  final ServerRef ref;
  final ServerName name;
  final ServerLoop<?, ?> loop;
  private final Duration shutdownTimeout;

  // ---- shared with other threads
  final ConcurrentLinkedQueue<Envelope> mailbox = new ConcurrentLinkedQueue<>();
  private volatile int drainScheduled;
  private final Set<DownListener> monitors = ConcurrentHashMap.newKeySet();
  /** Timers of other owners addressed to this server: cancelled before any monitor hears of the stop. */
  private final Set<TimerEntry> timersAddressedHere = ConcurrentHashMap.newKeySet();
  /** Servers linked to this one as their supervisor: killed if they outlive it. */
  private final Set<ServerProcess> linkedChildren = ConcurrentHashMap.newKeySet();
  private volatile ServerProcess parent;
  private volatile ExitReason exit;
  private volatile ExitReason killReason;
  /** Written once when the server boots, before it can run anything; read from other threads. */
  private volatile Context context;
  private volatile TimerTable timers;
  private final Promise<Void> exited = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private final Handler<Void> drainTask = v -> drain();

  // ---- confined to the server's context
  Phase phase = Phase.NEW;
  private Promise<Void> started;
  private String deploymentId;
  private Closeable hostHook;
  private boolean undeploying;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>(2);
  private Set<ServerMonitor> ownMonitors;
  private Clock.Scheduled shutdownKill;

  <A, S> ServerProcess(Node node, GenServer<A, S> behaviour, ServerRef ref, ServerName name, Duration shutdownTimeout) {
    this.node = node;
    this.ref = ref;
    this.name = name;
    this.shutdownTimeout = shutdownTimeout;
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

  /** The timers this server owns; null until it booted. */
  TimerTable timers() {
    return timers;
  }

  boolean isRoot() {
    return parent == null;
  }

  // ---- who runs

  /** Runs {@code callback} as this server's code: {@code self()}, timers and monitors belong to it. */
  <T> T runAs(ThrowingSupplier<T> callback) throws Exception {
    ServerProcess previous = CURRENT.get();
    CURRENT.set(this);
    try {
      return callback.get();
    } finally {
      CURRENT.set(previous);
    }
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
    if (running != null) {
      return running;
    }
    Context context = VertxInternals.currentContext();
    return context == null ? null : Node.of(context.owner()).soleServerOf(context);
  }

  /** True when the calling code runs for this server. */
  boolean isCurrent() {
    ServerProcess running = CURRENT.get();
    if (running != null) {
      return running == this;
    }
    Context own = context;
    return own != null && VertxInternals.isOn(own) && node.soleServerOf(own) == this;
  }

  // ---- the mailbox

  /** Puts {@code envelope} in the mailbox; any thread. Dropped once the server stopped. */
  void enqueue(Envelope envelope) {
    mailbox.offer(envelope);
    scheduleDrain();
  }

  /** Makes sure a drain task is queued on the server's context if the server can take messages. */
  void scheduleDrain() {
    Context ctx = context;
    // Pairs with boot: a sender that finds no context yet has offered first, and boot drains after setting it.
    if (ctx != null && drainScheduled == 0 && DRAIN.compareAndSet(this, 0, 1)) {
      node.execute(ctx, drainTask);
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
      if (phase == Phase.STOPPED) {
        mailbox.clear();
      } else {
        loop.drain();
      }
    } finally {
      drainScheduled = 0;
      if (phase != Phase.STOPPED && loop.hasWork()) {
        scheduleDrain();
      }
    }
  }

  // ---- monitors and links (any thread)

  /** Adds a monitor; false (and nothing added) if the server already stopped. */
  boolean monitor(DownListener listener) {
    monitors.add(listener);
    // Pairs with fireDown: exit is written before the set is drained, so one side always sees the other.
    return exit == null || !monitors.remove(listener);
  }

  void demonitor(DownListener listener) {
    monitors.remove(listener);
  }

  /** Ties another owner's timer to this server's life; false (nothing added) if it already stopped. */
  boolean watch(TimerEntry timer) {
    timersAddressedHere.add(timer);
    return exit == null || !timersAddressedHere.remove(timer);
  }

  void unwatch(TimerEntry timer) {
    timersAddressedHere.remove(timer);
  }

  /** Links this (not yet started) server to {@code supervisor}, which then monitors it from the start. */
  ServerMonitor linkTo(ServerProcess supervisor) {
    parent = supervisor;
    supervisor.linkedChildren.add(this);
    ServerMonitor link = node.monitorFor(supervisor, this);
    if (supervisor.exit != null) {
      kill(ExitReason.KILLED); // the supervisor is already gone: so is what it starts
    }
    return link;
  }

  /** Remembers a monitor this server set up, to remove it when it stops. On its context, or handed to it. */
  void own(ServerMonitor monitor) {
    Context ctx = context;
    if (ctx != null && !VertxInternals.isOn(ctx)) {
      node.execute(ctx, v -> own(monitor));
      return;
    }
    if (phase == Phase.STOPPED) {
      monitor.cancel(true);
      return;
    }
    if (ownMonitors == null) {
      ownMonitors = new HashSet<>();
    }
    ownMonitors.add(monitor);
  }

  /** Forgets a monitor that fired or was demonitored. On its context, or handed to it. */
  void disown(ServerMonitor monitor) {
    Context ctx = context;
    if (ctx == null) {
      return;
    }
    if (VertxInternals.isOn(ctx)) {
      if (ownMonitors != null) {
        ownMonitors.remove(monitor);
      }
    } else {
      node.execute(ctx, v -> disown(monitor));
    }
  }

  // ---- start

  /**
   * Boots the server on {@code ctx} (this runs there): registers its consumers and runs init. The
   * future completes once init returned ok, or fails, after everything was released, with a
   * {@link StartException}.
   */
  Future<Void> boot(Context ctx, Object args, boolean hosted) {
    started = Promise.promise();
    context = ctx;
    timers = new TimerTable(node, ctx, this);
    phase = Phase.STARTING;
    ExitReason killed = killReason; // pairs with kill(): it writes the reason, then reads the context
    if (killed != null) {
      exit(killed, null, StartException.stoppedWhileStarting(killed, "killed while starting"));
      return started.future();
    }
    if (hosted) {
      hostHook = done -> shutdown(ExitReason.shutdown()).onComplete(ar -> done.succeed());
      VertxInternals.onClose(ctx, hostHook);
    } else {
      deploymentId = ctx.deploymentID();
      node.ownContext(ctx, this);
    }
    EventBus bus = node.vertx().eventBus();
    Handler<Message<Object>> plain = message -> {
      Envelope envelope = PlainMessages.read(this, message);
      if (envelope != null) {
        enqueue(envelope);
      }
    };
    consumers.add(bus.localConsumer(ref.address(), plain));
    if (name != null) {
      consumers.add(bus.localConsumer(name.address(), plain));
    }
    List<Future<Void>> registered = new ArrayList<>(consumers.size());
    consumers.forEach(c -> registered.add(c.completion()));
    Future<?> all = Future.all(registered);
    if (all.isComplete()) {
      afterRegistration(all, args); // local consumers are registered at once
    } else {
      all.onComplete(ar -> node.execute(ctx, v -> afterRegistration(all, args)));
    }
    return started.future();
  }

  private void afterRegistration(Future<?> registration, Object args) {
    if (phase != Phase.STARTING) {
      return; // killed meanwhile
    }
    if (registration.failed()) {
      ExitReason reason = ExitReason.crash(registration.cause());
      exit(reason, null, StartException.initStopped(reason));
    } else {
      loop.init(args);
    }
  }

  /** init returned ok: the start completes, and messages that waited are handled next. */
  void running() {
    phase = Phase.RUNNING;
    started.complete();
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

  /**
   * Stops the server as soon as its current callback (if any) completed, ahead of queued
   * messages: undeploy, a host context's close, Vert.x closing. After the shutdown timeout it is
   * killed. Completes once the server is gone.
   */
  Future<Void> shutdown(ExitReason reason) {
    Context ctx = context;
    if (ctx == null) {
      kill(reason); // not booted yet: it never runs init
    } else {
      node.execute(ctx, v -> requestShutdown(reason));
    }
    return stopped.future();
  }

  /** The verticle is being undeployed: stop, and complete once exited (the undeploy itself is Vert.x's). */
  Future<Void> undeployed() {
    undeploying = true;
    if (phase != Phase.STOPPED) {
      requestShutdown(ExitReason.shutdown());
    }
    return exited.future();
  }

  private void requestShutdown(ExitReason reason) {
    if (phase == Phase.STOPPED || !loop.requestShutdown(reason)) {
      return;
    }
    Duration timeout = shutdownTimeout != null ? shutdownTimeout : StartOptions.DEFAULT_SHUTDOWN_TIMEOUT;
    if (!GenServer.isInfinite(timeout)) {
      shutdownKill = node.clock().schedule(node.home(), Node.timeoutNanos(timeout), () -> kill(ExitReason.KILLED));
    }
    drainHere();
  }

  // ---- exit

  /**
   * The one way out. Releases everything at once (so the name is free before anyone hears of
   * the stop), undeploys the server's verticle if it stopped by itself, and then answers the stop
   * reply, tells every monitor and caller, completes every waiter and reports the reason. A
   * non-null {@code startFailure} fails the start instead (init did not return ok).
   */
  void exit(ExitReason reason, Runnable replyAfterTerminate, StartException startFailure) {
    if (phase == Phase.STOPPED) {
      return;
    }
    phase = Phase.STOPPED;
    guarded(loop::close, "closing the loop");
    TimerTable table = timers;
    if (table != null) {
      guarded(table::close, "cancelling timers");
    }
    guarded(this::cancelOwnMonitors, "cancelling monitors");
    guarded(this::unregister, "unregistering");
    mailbox.clear();
    if (shutdownKill != null) {
      shutdownKill.cancel();
    }
    exited.complete();
    Runnable finish = () -> finish(reason, replyAfterTerminate, startFailure);
    if (startFailure == null && deploymentId != null && !undeploying) {
      node.vertx().undeploy(deploymentId).onComplete(ar -> finish.run());
    } else {
      finish.run();
    }
  }

  private void unregister() {
    node.forget(this);
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    if (hostHook != null) {
      VertxInternals.forgetOnClose(context, hostHook);
      hostHook = null;
    }
  }

  private void cancelOwnMonitors() {
    if (ownMonitors != null) {
      ownMonitors.forEach(monitor -> monitor.cancel(true));
      ownMonitors = null;
    }
  }

  private void finish(ExitReason reason, Runnable replyAfterTerminate, StartException startFailure) {
    node.gone(this); // no longer counted by the time anyone hears of the stop
    if (replyAfterTerminate != null) {
      guarded(replyAfterTerminate, "replying after terminate");
    }
    fireDown(reason);
    guarded(() -> exitLinked(reason), "stopping linked children");
    ServerProcess supervisor = parent;
    if (supervisor != null) {
      supervisor.linkedChildren.remove(this);
    }
    if (startFailure != null) {
      started.fail(startFailure);
    }
    stopped.complete();
    if (reason.isAbnormal() && !(reason instanceof ExitReason.Killed)) {
      // After everyone waiting was told: formatting a report is slow.
      REPORTS.log(Level.ERROR, () -> this + (startFailure != null ? " failed to start: " : " terminated: ") + reason,
          causeOf(reason));
    }
  }

  /**
   * Every monitor hears of the stop, after what dies with the server is gone: first the timers
   * addressed here, then the monitors' Downs (so whoever learns of the stop knows its Downs are on
   * their way), then everyone else (callers, stop waiters).
   */
  private void fireDown(ExitReason reason) {
    exit = reason;
    for (TimerEntry timer : timersAddressedHere) {
      if (timersAddressedHere.remove(timer)) {
        guarded(timer::cancel, "cancelling a timer addressed here");
      }
    }
    for (DownListener listener : monitors) {
      if (listener instanceof ServerMonitor && monitors.remove(listener)) {
        guarded(() -> listener.down(ref, reason), "telling a monitor");
      }
    }
    for (DownListener listener : monitors) {
      if (monitors.remove(listener)) {
        guarded(() -> listener.down(ref, reason), "telling a caller");
      }
    }
  }

  /** A supervisor's children that outlived it receive its exit, as linked processes do in OTP. */
  private void exitLinked(ExitReason reason) {
    if (reason instanceof ExitReason.Normal) {
      return;
    }
    for (ServerProcess child : linkedChildren) {
      if (linkedChildren.remove(child)) {
        child.kill(reason instanceof ExitReason.Killed ? ExitReason.KILLED : reason);
      }
    }
  }

  /**
   * The server never booted (its deployment failed around it): it is forgotten, and whoever
   * monitors it (a link, a kill waiter) is told. No-op if it booted: its own exit did all this.
   */
  void abandon() {
    if (context == null && exit == null) {
      node.forget(this);
      fireDown(ExitReason.NOPROC);
      node.gone(this);
      stopped.complete();
    }
  }

  private void guarded(Runnable step, String what) {
    try {
      step.run();
    } catch (Throwable t) {
      LOG.log(Level.ERROR, () -> this + ": failed " + what + " while stopping", t);
    }
  }

  static Throwable causeOf(ExitReason reason) {
    return reason instanceof ExitReason.Crash crash ? crash.cause() : null;
  }

  @Override
  public String toString() {
    return ref + (name == null ? "" : " (" + name + ")");
  }
}
