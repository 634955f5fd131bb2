package org.vertxotp.genserver.impl;

import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Clock;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.NodeStats;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TimerRef;

/**
 * The toolkit in one Vert.x instance: its servers, its clock and timers, its own context, and
 * the client operations (start, call, cast, send, stop, kill, monitor). One per Vert.x instance,
 * kept in its local shared data so that it lives and dies with that instance.
 *
 * <p>The node's own context ({@link #home()}) belongs to no deployment. Servers are deployed as
 * if from it, so no server is a child deployment of whoever started it; timers and completions
 * for code that runs on no context use it. When Vert.x closes, the node stops every server, trees
 * in order, before Vert.x undeploys what is left.
 */
public final class Node implements Shareable {

  private static final String MAP = "org.vertxotp.genserver";
  private static final String KEY = "node";
  /** A century: deadlines are kept in nanoseconds, and a longer timer means infinity. */
  private static final Duration LONGEST_TIMER = Duration.ofDays(36_500);

  private final Vertx vertx;
  private final String id = UUID.randomUUID().toString();
  private final AtomicLong serial = new AtomicLong();
  private final Context home;
  private final Registry registry = new Registry();
  private final LongAdder pendingCalls = new LongAdder();
  private final LongAdder pendingTimers = new LongAdder();
  private final LongAdder monitors = new LongAdder();
  private final AtomicLong timerSequence = new AtomicLong();
  /** Starts a supervisor asked to link, by the identity of the options it passed to the child's start. */
  private final ConcurrentHashMap<StartOptions, LinkRequest> linkRequests = new ConcurrentHashMap<>();
  private volatile Clock clock = new VertxClock();
  private volatile TimerTable nodeTimers;
  private volatile boolean closing;
  /** With a manual clock: the toolkit's tasks queued and not yet run, so that tests can wait for quiet. */
  private volatile boolean tracking;
  private final AtomicLong inFlight = new AtomicLong();

  private Node(Vertx vertx) {
    this.vertx = vertx;
    this.home = VertxInternals.newEventLoopContext(vertx);
    VertxInternals.onVertxClose(vertx, this::closeAll);
  }

  /** The node looked up last (most programs have one Vert.x instance); weak, so a closed instance can go. */
  private static volatile WeakReference<Node> last = new WeakReference<>(null);

  /** The node of {@code vertx}, created on first use. */
  public static Node of(Vertx vertx) {
    Node cached = last.get();
    if (cached != null && cached.vertx == vertx) {
      return cached;
    }
    Node node = lookUp(vertx);
    last = new WeakReference<>(node);
    return node;
  }

  private static Node lookUp(Vertx vertx) {
    LocalMap<String, Node> map = vertx.sharedData().getLocalMap(MAP);
    Node node = map.get(KEY);
    if (node != null) {
      return node;
    }
    synchronized (Node.class) {
      node = map.get(KEY);
      if (node == null) {
        node = new Node(vertx);
        map.put(KEY, node);
      }
      return node;
    }
  }

  Vertx vertx() {
    return vertx;
  }

  /** The toolkit's own event-loop context, which belongs to no deployment. */
  Context home() {
    return home;
  }

  /**
   * Runs {@code task} on {@code context} as a task of its own (never inline). Every handover of
   * the toolkit's work to a context goes through here, so that a manual clock can wait for quiet.
   */
  void execute(Context context, Handler<Void> task) {
    if (!tracking) {
      context.runOnContext(task);
      return;
    }
    inFlight.incrementAndGet();
    context.runOnContext(v -> {
      try {
        task.handle(null);
      } finally {
        inFlight.decrementAndGet();
      }
    });
  }

  /** The context to complete a caller's future on: its own, or the toolkit's for code on no context. */
  Context callerContext() {
    Context caller = VertxInternals.callerContext();
    return caller != null ? caller : home;
  }

  /**
   * Waits until none of the toolkit's tasks is queued or running (a held mailbox does not count);
   * false if that did not happen within {@code timeoutNanos}. Off Vert.x threads; manual clock only.
   */
  public boolean awaitSettled(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (inFlight.get() != 0) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(20_000);
    }
    return true;
  }

  // ---- time

  public Clock clock() {
    return clock;
  }

  /** Replaces the clock; only while nothing runs that could hold a timer of the old one. */
  public synchronized void useClock(Clock replacement) {
    if (!registry.isEmpty() || pendingTimers.sum() != 0 || pendingCalls.sum() != 0) {
      throw new IllegalStateException("install the clock before starting servers, timers or calls");
    }
    clock = replacement;
    nodeTimers = null;
    tracking = replacement instanceof org.vertxotp.genserver.ManualClock;
  }

  long nextTimerSequence() {
    return timerSequence.incrementAndGet();
  }

  void timerArmed() {
    pendingTimers.increment();
  }

  void timerSettled() {
    pendingTimers.decrement();
  }

  /**
   * Arms a {@code sendAfter} or {@code startTimer}. Armed within a server's callback, the timer
   * is that server's and dies with it; otherwise it belongs to its destination server, or, for a
   * name, to the node. A server destination other than the owner is watched: the timer dies with
   * it too. A server destination already gone yields a timer that is released at once.
   */
  public TimerRef arm(boolean startTimer, Duration delay, Destination destination, Object message) {
    long nanos = delayNanos(delay);
    ServerProcess target = destination instanceof ServerRef ref ? registry.resolve(ref) : null;
    if (destination instanceof ServerRef && target == null) {
      return TimerEntry.dead();
    }
    ServerProcess current = ServerProcess.current();
    TimerTable table;
    if (current != null && current.node == this && current.timers() != null) {
      table = current.timers();
    } else if (target != null && target.timers() != null) {
      table = target.timers();
    } else {
      table = nodeTimers();
    }
    ServerProcess watch = target != null && target != table.owner() ? target : null;
    return table.arm(startTimer ? TimerEntry.Kind.START_TIMER : TimerEntry.Kind.SEND_AFTER, nanos, destination, message, watch);
  }

  /** Milliseconds left on a timer of the toolkit, or -1; cancels it if {@code cancel}. */
  public static long remaining(TimerRef ref, boolean cancel) {
    if (!(ref instanceof TimerEntry entry)) {
      return -1;
    }
    return cancel ? entry.cancel() : entry.remaining();
  }

  public static ServerRef self() {
    ServerProcess current = ServerProcess.current();
    if (current == null) {
      throw new IllegalStateException("self() is only known inside a server");
    }
    return current.ref();
  }

  /** Starts (or replaces) the keyed timer {@code key} of the server this code runs for. */
  public static void startSingleTimer(Object key, Object message, Duration delay) {
    currentServerTimers().startSingle(key, message, delayNanos(delay));
  }

  public static boolean cancelKeyedTimer(Object key) {
    return currentServerTimers().cancelKey(key);
  }

  public static boolean isKeyedTimerActive(Object key) {
    return currentServerTimers().isActive(key);
  }

  private static TimerTable currentServerTimers() {
    ServerProcess current = ServerProcess.current();
    if (current == null || current.timers() == null || !VertxInternals.isOn(current.context())) {
      throw new IllegalStateException("keyed timers belong to a server: use them from its callbacks");
    }
    return current.timers();
  }

  /** A finite timeout in nanoseconds (at least one), capped at a century. */
  static long timeoutNanos(Duration timeout) {
    return timeout.compareTo(LONGEST_TIMER) > 0 ? LONGEST_TIMER.toNanos() : Math.max(1, timeout.toNanos());
  }

  static long delayNanos(Duration delay) {
    if (delay.isNegative() || delay.compareTo(LONGEST_TIMER) > 0) {
      throw new IllegalArgumentException("a timer needs a non-negative delay of at most " + LONGEST_TIMER + ": " + delay);
    }
    return delay.toNanos();
  }

  private TimerTable nodeTimers() {
    TimerTable table = nodeTimers;
    if (table == null) {
      synchronized (this) {
        table = nodeTimers;
        if (table == null) {
          table = new TimerTable(this, home, null);
          nodeTimers = table;
        }
      }
    }
    return table;
  }

  // ---- starting and stopping

  /** A supervisor's wish to link the child that the start with these options creates. */
  static final class LinkRequest {
    final ServerProcess supervisor;
    volatile ServerMonitor monitor;

    LinkRequest(ServerProcess supervisor) {
      this.supervisor = supervisor;
    }
  }

  /** The next start with exactly {@code options} links its server to {@code supervisor} before it runs. */
  LinkRequest requestLink(StartOptions options, ServerProcess supervisor) {
    LinkRequest request = new LinkRequest(supervisor);
    linkRequests.put(options, request);
    return request;
  }

  void endLinkRequest(StartOptions options) {
    linkRequests.remove(options);
  }

  public <A, S> Future<ServerRef> start(GenServer<A, S> behaviour, A args, StartOptions options) {
    if (closing) {
      return Future.failedFuture(StartException.stoppedWhileStarting(ExitReason.shutdown(), "Vert.x is closing"));
    }
    Context caller = callerContext();
    ServerRef ref = new ServerRef("genserver." + id + "." + serial.incrementAndGet());
    ServerProcess process = new ServerProcess(this, behaviour, ref, options.getName().orElse(null),
        options.getShutdownTimeout().orElse(null));
    ServerProcess holder = registry.register(process);
    if (holder != null) {
      return Future.failedFuture(StartException.alreadyStarted(process.name(), holder.ref()));
    }
    LinkRequest link = linkRequests.isEmpty() ? null : linkRequests.remove(options);
    if (link != null) {
      link.monitor = process.linkTo(link.supervisor);
    }
    Promise<ServerRef> result = Promise.promise();
    Optional<Context> host = options.getContext();
    Future<?> booted;
    if (host.isPresent()) {
      Context hostContext = VertxInternals.unwrap(host.get());
      Promise<Void> boot = Promise.promise();
      execute(hostContext, v -> process.boot(hostContext, args, true).onComplete(boot));
      booted = boot.future();
    } else {
      booted = VertxInternals.deployDetached(vertx, home, new ServerVerticle(process, args));
    }
    booted.onComplete(ar -> {
      if (ar.failed()) {
        // A start can also fail outside the process (Vert.x closing): it must not stay registered.
        process.abandon();
      }
      execute(caller, v -> {
        if (ar.succeeded()) {
          result.complete(ref);
        } else {
          result.fail(ar.cause());
        }
      });
    });
    return result.future();
  }

  void forget(ServerProcess process) {
    registry.forget(process);
  }

  void gone(ServerProcess process) {
    registry.gone(process);
  }

  void ownContext(Context context, ServerProcess process) {
    registry.soleServer(context, process);
  }

  ServerProcess soleServerOf(Context context) {
    return registry.soleServerOf(context);
  }

  /** Vert.x is closing: every server stops (trees in order) before Vert.x undeploys what is left. */
  private void closeAll(Completable<Void> done) {
    closing = true;
    List<Future<Void>> stops = new ArrayList<>();
    for (ServerProcess root : registry.roots()) {
      stops.add(root.shutdown(ExitReason.shutdown()));
    }
    Future.join(stops).onComplete(ar -> done.succeed());
  }

  // ---- addressing

  public Optional<ServerRef> whereis(ServerName name) {
    ServerProcess holder = registry.resolve(name);
    return holder == null ? Optional.empty() : Optional.of(holder.ref());
  }

  public NodeStats stats() {
    return new NodeStats(registry.servers(), registry.names(), pendingCalls.sum(), pendingTimers.sum(), monitors.sum());
  }

  void callSettled() {
    pendingCalls.decrement();
  }

  void monitorSettled() {
    monitors.decrement();
  }

  // ---- monitors

  /** A monitor for the calling server ({@code onDown} null) or for a handler, run on the caller's context. */
  public MonitorRef monitor(Destination destination, Handler<Down> onDown) {
    if (onDown == null) {
      ServerProcess owner = ServerProcess.current();
      if (owner == null) {
        throw new IllegalStateException("outside a server, monitor with a handler");
      }
      return monitor(registry.resolve(destination), destination, owner, null, null);
    }
    return monitor(registry.resolve(destination), destination, null, callerContext(), onDown);
  }

  /** A monitor of {@code target} whose Down goes to {@code owner}'s mailbox. */
  ServerMonitor monitorFor(ServerProcess owner, ServerProcess target) {
    return monitor(target, target.ref(), owner, null, null);
  }

  /** A monitor of whoever {@code destination} is now, whose Down goes to {@code owner}'s mailbox. */
  ServerMonitor monitorFor(ServerProcess owner, Destination destination) {
    return monitor(registry.resolve(destination), destination, owner, null, null);
  }

  private ServerMonitor monitor(ServerProcess target, Destination destination, ServerProcess owner,
                                Context context, Handler<Down> onDown) {
    ServerMonitor monitor = new ServerMonitor(this, target, owner, context, onDown);
    monitors.increment();
    if (owner != null) {
      owner.own(monitor);
    }
    if (target == null || !target.monitor(monitor)) {
      monitor.fire(target == null ? destination : target.ref(), ExitReason.NOPROC);
    }
    return monitor;
  }

  public static boolean demonitor(MonitorRef ref, boolean flush) {
    if (!(ref instanceof ServerMonitor monitor)) {
      return false;
    }
    boolean active = monitor.cancel(flush);
    if (monitor.owner() != null) {
      monitor.owner().disown(monitor);
    }
    return active;
  }

  /** Kills a server; completes once it is down. */
  public Future<Void> kill(Destination destination) {
    ServerProcess target = registry.resolve(destination);
    if (target == null) {
      return Future.failedFuture(noServer(destination));
    }
    Promise<Void> down = Promise.promise();
    if (!target.monitor(completes(down))) {
      return Future.succeededFuture();
    }
    target.kill(ExitReason.KILLED);
    return down.future();
  }

  /** A listener that completes {@code promise} on the calling context when its server is down. */
  private DownListener completes(Promise<Void> promise) {
    Context caller = callerContext();
    return (server, why) -> execute(caller, v -> promise.tryComplete());
  }

  private static CallException noServer(Destination destination) {
    return new CallException(CallFailure.NO_SERVER, "no server: " + destination);
  }

  // ---- messaging

  /**
   * Why a call (or stop) to {@code target} must fail at once, or null if it may go ahead: no
   * server there, or the server itself waiting for itself.
   */
  private static CallException unreachable(Destination destination, ServerProcess target, String selfWhy) {
    if (target == null) {
      return noServer(destination);
    }
    if (target.isCurrent()) {
      return new CallException(CallFailure.CALLING_SELF, target.ref() + " " + selfWhy);
    }
    return null;
  }

  public <T> Future<T> call(Destination destination, Object request, Duration timeout) {
    ServerProcess target = registry.resolve(destination);
    CallException refused = unreachable(destination, target, "called itself; the call could only time out");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    LocalCall call = new LocalCall(this, target, callerContext());
    if (!target.monitor(call)) {
      return Future.failedFuture(noServer(destination));
    }
    pendingCalls.increment();
    call.armTimeout(timeout);
    target.enqueue(new Envelope.Call(request, call));
    @SuppressWarnings("unchecked")
    Future<T> reply = (Future<T>) call.future();
    return reply;
  }

  public void cast(Destination destination, Object message) {
    post(destination, new Envelope.Cast(message));
  }

  public void send(Destination destination, Object message) {
    post(destination, new Envelope.Info(message));
  }

  private void post(Destination destination, Envelope envelope) {
    ServerProcess target = registry.resolve(destination);
    if (target != null) {
      target.enqueue(envelope);
    }
  }

  /**
   * Stops a server in mailbox order and completes once it is down (its {@code terminate} ran).
   * Fails with {@link CallFailure#NO_SERVER} if there is none, {@link CallFailure#TIMEOUT} if it
   * is not down in time (it may still stop later), {@link CallFailure#SERVER_EXITED} if it ended
   * with another reason first (a crash, or a throwing terminate).
   */
  public Future<Void> stop(Destination destination, ExitReason reason, Duration timeout) {
    ServerProcess target = registry.resolve(destination);
    CallException refused = unreachable(destination, target, "cannot wait for its own stop; return a stop result instead");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Promise<Void> promise = Promise.promise();
    Context caller = callerContext();
    // As OTP's gen_server:stop/3: a server that ends with another reason than the one asked for fails the stop with it.
    DownListener whenDown = (server, why) -> execute(caller, v -> {
      if (why.equals(reason)) {
        promise.tryComplete();
      } else {
        promise.tryFail(CallException.exited(server, why));
      }
    });
    if (!target.monitor(whenDown)) {
      return Future.failedFuture(noServer(destination));
    }
    if (!GenServer.isInfinite(timeout)) {
      Clock.Scheduled timer = clock.schedule(caller, timeoutNanos(timeout), () -> {
        target.demonitor(whenDown);
        promise.tryFail(new CallException(CallFailure.TIMEOUT, target.ref() + " did not stop in time"));
      });
      promise.future().onSuccess(v -> timer.cancel());
    }
    target.enqueue(new Envelope.Stop(reason));
    return promise.future();
  }
}
