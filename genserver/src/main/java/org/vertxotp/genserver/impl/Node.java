package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 * The toolkit's state in one Vert.x instance: which servers run, which names they hold, how
 * many calls are in flight. One per Vert.x instance, kept in its local shared data so that it
 * lives and dies with that instance.
 */
public final class Node implements Shareable {

  private static final String MAP = "org.vertxotp.genserver";
  private static final String KEY = "node";

  private final Vertx vertx;
  private final String id = UUID.randomUUID().toString();
  private final AtomicLong serial = new AtomicLong();
  private final ConcurrentHashMap<String, ServerProcess<?, ?>> byAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ServerName, ServerProcess<?, ?>> byName = new ConcurrentHashMap<>();
  private final LongAdder pendingCalls = new LongAdder();
  private final LongAdder pendingTimers = new LongAdder();
  private final LongAdder monitors = new LongAdder();
  private final AtomicLong timerSequence = new AtomicLong();
  private volatile Clock clock;
  private volatile TimerTable nodeTimers;
  private final DeliveryOptions envelopeDelivery =
      new DeliveryOptions().setCodecName(EnvelopeCodec.NAME).setLocalOnly(true);

  private Node(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new VertxClock(vertx);
  }

  /** The node looked up last (most programs have one Vert.x instance); weak, so a closed instance can go. */
  private static volatile WeakReference<Node> last = new WeakReference<>(null);

  /** The node of {@code vertx}, created (and the envelope codec registered) on first use. */
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
        vertx.eventBus().registerCodec(new EnvelopeCodec());
        map.put(KEY, node);
      }
      return node;
    }
  }

  Vertx vertx() {
    return vertx;
  }

  // ---- time

  public Clock clock() {
    return clock;
  }

  /** Replaces the clock; only while nothing runs that could hold a timer of the old one. */
  public synchronized void useClock(Clock replacement) {
    if (!byAddress.isEmpty() || pendingTimers.sum() != 0 || pendingCalls.sum() != 0) {
      throw new IllegalStateException("install the clock before starting servers, timers or calls");
    }
    clock = replacement;
    nodeTimers = null;
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
   * it too. A server destination already gone yields a timer that never fires.
   */
  public TimerRef arm(boolean startTimer, Duration delay, Destination destination, Object message) {
    long millis = delayMillis(delay);
    ServerProcess<?, ?> target = destination instanceof ServerRef ref ? byAddress.get(ref.address()) : null;
    if (destination instanceof ServerRef && target == null) {
      return TimerEntry.dead();
    }
    ServerProcess<?, ?> current = ServerProcess.current();
    TimerTable table;
    if (current != null && current.node() == this && current.timers() != null) {
      table = current.timers();
    } else if (target != null && target.timers() != null) {
      table = target.timers();
    } else {
      table = nodeTimers();
    }
    ServerProcess<?, ?> watch = target != null && target != table.owner() ? target : null;
    return table.arm(startTimer ? TimerEntry.Kind.START_TIMER : TimerEntry.Kind.SEND_AFTER,
        millis, destination, message, watch);
  }

  /** Milliseconds left on a timer of the toolkit, or -1; cancels it if {@code cancel}. */
  public static long remaining(TimerRef ref, boolean cancel) {
    if (!(ref instanceof TimerEntry entry)) {
      return -1;
    }
    return cancel ? entry.cancel() : entry.remaining();
  }

  public static ServerRef self() {
    ServerProcess<?, ?> current = ServerProcess.current();
    if (current == null) {
      throw new IllegalStateException("self() is only known inside a server");
    }
    return current.ref();
  }

  /** Starts (or replaces) the keyed timer {@code key} of the server this code runs for. */
  public static void startSingleTimer(Object key, Object message, Duration delay) {
    currentServerTimers().startSingle(key, message, delayMillis(delay));
  }

  public static boolean cancelKeyedTimer(Object key) {
    return currentServerTimers().cancelKey(key);
  }

  public static boolean isKeyedTimerActive(Object key) {
    return currentServerTimers().isActive(key);
  }

  private static TimerTable currentServerTimers() {
    ServerProcess<?, ?> current = ServerProcess.current();
    if (current == null || current.timers() == null) {
      throw new IllegalStateException("keyed timers belong to a server: use them from its callbacks");
    }
    return current.timers();
  }

  /** A century: deadlines are kept in nanoseconds, and a longer timer means infinity. */
  private static final Duration LONGEST_TIMER = Duration.ofDays(36_500);

  private static long delayMillis(Duration delay) {
    if (delay.isNegative() || delay.compareTo(LONGEST_TIMER) > 0) {
      throw new IllegalArgumentException("a timer needs a non-negative delay of at most " + LONGEST_TIMER + ": " + delay);
    }
    long millis = delay.toMillis();
    return millis == 0 && !delay.isZero() ? 1 : millis;
  }

  private TimerTable nodeTimers() {
    TimerTable table = nodeTimers;
    if (table == null) {
      synchronized (this) {
        table = nodeTimers;
        if (table == null) {
          table = new TimerTable(this, VertxInternals.newEventLoopContext(vertx), null, null);
          nodeTimers = table;
        }
      }
    }
    return table;
  }

  // ---- starting

  public <A, S> Future<ServerRef> start(GenServer<A, S> behaviour, A args, StartOptions options) {
    ServerRef ref = new ServerRef("genserver." + id + "." + serial.incrementAndGet());
    ServerName name = options.getName().orElse(null);
    ServerProcess<A, S> process = new ServerProcess<>(this, behaviour, ref, name);
    if (name != null) {
      ServerProcess<?, ?> holder = byName.putIfAbsent(name, process);
      if (holder != null) {
        return Future.failedFuture(StartException.alreadyStarted(name, holder.ref()));
      }
    }
    byAddress.put(ref.address(), process);
    Future<ServerRef> started;
    Optional<Context> host = options.getContext();
    if (host.isPresent()) {
      Promise<ServerRef> promise = Promise.promise();
      host.get().runOnContext(v -> process.boot(host.get(), args, true).onComplete(promise));
      started = promise.future();
    } else {
      started = vertx.deployVerticle(new ServerVerticle<>(process, args)).map(ref);
    }
    // A start can also fail outside the process (Vert.x closing): the name must not stay taken,
    // and anyone who already sent to it by name must hear that it is gone.
    return started.onFailure(err -> {
      forget(process);
      process.abandon(ExitReason.NOPROC);
    });
  }

  /** Removes a stopped (or never started) server from the tables; idempotent. */
  void forget(ServerProcess<?, ?> process) {
    byAddress.remove(process.ref().address(), process);
    if (process.name() != null) {
      byName.remove(process.name(), process);
    }
  }

  // ---- addressing

  ServerProcess<?, ?> resolve(Destination destination) {
    if (destination instanceof ServerRef ref) {
      return byAddress.get(ref.address());
    }
    return byName.get((ServerName) destination);
  }

  public Optional<ServerRef> whereis(ServerName name) {
    ServerProcess<?, ?> holder = byName.get(name);
    return holder == null ? Optional.empty() : Optional.of(holder.ref());
  }

  public NodeStats stats() {
    return new NodeStats(byAddress.size(), byName.size(), pendingCalls.sum(), pendingTimers.sum(), monitors.sum());
  }

  void callSettled() {
    pendingCalls.decrement();
  }

  void monitorSettled() {
    monitors.decrement();
  }

  // ---- monitors

  /** A monitor for the calling server ({@code onDown} null) or for a handler. */
  public MonitorRef monitor(Destination destination, Handler<Down> onDown) {
    ServerProcess<?, ?> owner = null;
    if (onDown == null) {
      owner = ServerProcess.current();
      if (owner == null) {
        throw new IllegalStateException("outside a server, monitor with a handler");
      }
    }
    return monitor(destination, owner, onDown == null ? null : Vertx.currentContext(), onDown);
  }

  /** A monitor whose Down goes to {@code owner}'s mailbox. */
  ServerMonitor monitorFor(ServerProcess<?, ?> owner, Destination destination) {
    return monitor(destination, owner, null, null);
  }

  private ServerMonitor monitor(Destination destination, ServerProcess<?, ?> owner, Context context, Handler<Down> onDown) {
    ServerProcess<?, ?> target = resolve(destination);
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
    ServerProcess<?, ?> target = resolve(destination);
    if (target == null) {
      return Future.failedFuture(noServer(destination));
    }
    Promise<Void> down = Promise.promise();
    if (!target.monitor(completes(down))) {
      return Future.succeededFuture();
    }
    target.kill();
    return down.future();
  }

  /** A listener that completes {@code promise} on the calling context when its server is down. */
  private static DownListener completes(Promise<Void> promise) {
    Context caller = Vertx.currentContext();
    return (server, why) -> LocalCall.onCallerContext(caller, promise::tryComplete);
  }

  private static CallException noServer(Destination destination) {
    return new CallException(CallFailure.NO_SERVER, "no server: " + destination);
  }

  // ---- messaging

  /**
   * Why a call (or stop) to {@code target} must fail at once, or null if it may go ahead: no
   * server there, or the server itself waiting for itself.
   */
  private static CallException unreachable(Destination destination, ServerProcess<?, ?> target, String selfWhy) {
    if (target == null) {
      return noServer(destination);
    }
    if (target.isCurrent()) {
      return new CallException(CallFailure.CALLING_SELF, target.ref() + " " + selfWhy);
    }
    return null;
  }

  public <T> Future<T> call(Destination destination, Object request, Duration timeout) {
    ServerProcess<?, ?> target = resolve(destination);
    CallException refused = unreachable(destination, target, "called itself; the call could only time out");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    LocalCall call = new LocalCall(this, target, Vertx.currentContext());
    if (!target.monitor(call)) {
      return Future.failedFuture(noServer(destination));
    }
    pendingCalls.increment();
    if (!GenServer.isInfinite(timeout)) {
      call.armTimeout(Math.max(1, timeout.toMillis()));
    }
    deliver(target, new Envelope.Call(request, call));
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
    ServerProcess<?, ?> target = resolve(destination);
    if (target != null) {
      deliver(target, envelope);
    }
  }

  private void deliver(ServerProcess<?, ?> target, Envelope envelope) {
    if (!target.parkUntilReady(envelope)) {
      vertx.eventBus().send(target.ref().address(), envelope, envelopeDelivery);
    }
  }

  /**
   * Stops a server in mailbox order and completes once it is down (its {@code terminate} ran).
   * Fails with {@link CallFailure#NO_SERVER} if there is none, {@link CallFailure#TIMEOUT} if it
   * is not down in time (it may still stop later).
   */
  public Future<Void> stop(Destination destination, ExitReason reason, Duration timeout) {
    ServerProcess<?, ?> target = resolve(destination);
    CallException refused = unreachable(destination, target, "cannot wait for its own stop; return a stop result instead");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Promise<Void> promise = Promise.promise();
    DownListener whenDown = completes(promise);
    if (!target.monitor(whenDown)) {
      return Future.failedFuture(noServer(destination));
    }
    if (!GenServer.isInfinite(timeout)) {
      Clock.Scheduled timer = clock.schedule(Math.max(1, timeout.toMillis()), () -> {
        target.demonitor(whenDown);
        promise.tryFail(new CallException(CallFailure.TIMEOUT, target.ref() + " did not stop in time"));
      });
      promise.future().onSuccess(v -> timer.cancel());
    }
    deliver(target, new Envelope.Stop(reason));
    return promise.future();
  }
}
