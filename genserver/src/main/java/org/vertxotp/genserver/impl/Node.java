package org.vertxotp.genserver.impl;

import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.NodeStats;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.spi.RemoteNodes;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.time.ManualClock;

/**
 * The toolkit in one Vert.x instance: its servers, its name registry, its clock, its own context,
 * and the services the public API is a facade of ({@link Starter}, {@link Router},
 * {@link TimerService}, {@link Monitoring}). One per Vert.x instance, kept in its local shared
 * data so that it lives and dies with that instance.
 *
 * <p>The node's own context ({@link #home()}) belongs to no deployment. Servers are deployed as
 * if from it, so no server is a child deployment of whoever started it; timers and completions
 * for code that runs on no context use it.
 */
public final class Node implements Shareable {

  private static final String MAP = "org.vertxotp.genserver";
  private static final String KEY = "node";
  private static final long SETTLE_SECONDS = 5;
  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");

  private final Vertx vertx;
  private final String id;
  private final Context home;
  private final ServerTable table = new ServerTable();
  private final LongAdder dropped = new LongAdder();
  /** Consumers of stopped servers the cluster manager has not answered for yet; empty on a single node. */
  private final Set<Future<Void>> unsubscribing = ConcurrentHashMap.newKeySet();
  private final Starter starter;
  private final Router router;
  private final TimerService timers;
  /** The timer table of every exited server that never had one of its own: closed, it cancels what arrives. */
  private final TimerTable closedTimers;
  private final Monitoring monitoring;
  private volatile Clock clock = VertxClock.REAL;
  private volatile NameRegistry names = NameRegistry.local();
  private volatile RemoteNodes remote;
  private volatile Observer observer = Observer.NONE;
  /** With a manual clock: the toolkit's tasks queued and not yet run, so that tests can wait for quiet. */
  private volatile boolean tracking;
  private final AtomicLong inFlight = new AtomicLong();

  private Node(Vertx vertx) {
    this.vertx = vertx;
    this.id = VertxInternals.clusterNodeId(vertx).orElseGet(() -> UUID.randomUUID().toString());
    this.home = VertxInternals.newEventLoopContext(vertx);
    this.starter = new Starter(this);
    this.router = new Router(this);
    this.timers = new TimerService(this);
    this.closedTimers = new TimerTable(this, home, null);
    closedTimers.close();
    this.monitoring = new Monitoring(this);
    VertxInternals.onVertxClose(vertx, this::close);
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

  public Starter starter() {
    return starter;
  }

  public Router router() {
    return router;
  }

  public TimerService timers() {
    return timers;
  }

  public Monitoring monitoring() {
    return monitoring;
  }

  Vertx vertx() {
    return vertx;
  }

  String id() {
    return id;
  }

  /** The node's id: a clustered Vert.x instance's cluster node id, so that a lost member names the servers it ran. */
  public String nodeId() {
    return id;
  }

  /**
   * The second half of the one resolve step, after {@code table().resolve(destination)} found no
   * server of this node: the way to reach {@code destination} on another node, or null for nobody.
   * A ref of this node is nobody; any other ref, and a name no server here holds, go to the
   * cluster, if any.
   */
  RemoteNodes beyond(Destination destination) {
    RemoteNodes remote = this.remote;
    return remote == null || destination instanceof ServerRef ref && ref.node().equals(id) ? null : remote;
  }

  ServerTable table() {
    return table;
  }

  NameRegistry names() {
    return names;
  }

  /** The closed timer table of exited servers that never had one: it cancels whatever is armed on it. */
  TimerTable closedTimers() {
    return closedTimers;
  }

  /** The toolkit's own event-loop context, which belongs to no deployment. */
  Context home() {
    return home;
  }

  // ---- tasks

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

  /**
   * Counts work in flight that does not run as one task (a deployment, an undeploy) until
   * {@link #workDone}, so that a manual clock waits for it too.
   */
  boolean workBegins() {
    boolean counted = tracking;
    if (counted) {
      inFlight.incrementAndGet();
    }
    return counted;
  }

  /** Ends what {@link #workBegins} counted (its result says whether it did). */
  void workDone(boolean counted) {
    if (counted) {
      inFlight.decrementAndGet();
    }
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

  // ---- pluggable parts, replaced only before anything runs

  public Clock clock() {
    return clock;
  }

  /** Replaces the clock; only while nothing runs that could hold a timer of the old one. */
  public synchronized void useClock(Clock replacement) {
    requireIdle("the clock");
    clock = replacement;
    timers.clockChanged();
    tracking = replacement instanceof ManualClock;
  }

  /** Replaces the name registry; only while no server runs. */
  public synchronized void useNameRegistry(NameRegistry replacement) {
    requireIdle("the name registry");
    names = replacement;
  }

  /** A call from another node to {@code target}, a server of this node; see {@link RemoteNodes#deliverCall}. */
  public void deliverCall(ServerRef target, Object request, java.time.Duration timeout, RemoteNodes.CallSink sink) {
    ForwardedCall.deliver(this, target, request, timeout, sink);
  }

  /** Installs the way other nodes are reached; only while no server runs. */
  public synchronized void useRemoteNodes(RemoteNodes replacement) {
    requireIdle("the remote nodes");
    remote = replacement;
  }

  private void requireIdle(String what) {
    NodeStats stats = stats();
    if (stats.servers() != 0 || stats.pendingTimers() != 0 || stats.pendingCalls() != 0) {
      throw new IllegalStateException("install " + what + " before starting servers, timers or calls");
    }
  }

  // ---- bookkeeping

  void dropped(long count) {
    dropped.add(count);
  }

  Observer observer() {
    return observer;
  }

  /** Installs a metrics binding; only while no server runs, so that every server is observed from its start. */
  public synchronized void observe(java.util.function.Supplier<Object> binding) {
    requireIdle("metrics");
    observer = Observer.guarded((Observer) binding.get());
  }

  public NodeStats stats() {
    return new NodeStats(table.servers(), table.names(), router.pendingCalls(), timers.pending(), monitoring.active(),
        dropped.sum());
  }

  ServerProcess soleServerOf(Context context) {
    return table.soleServerOf(context);
  }

  /**
   * Drops a server's consumer (on the server's context). On a cluster the cluster manager's worker
   * answers later, on that context: until it has, the node's close waits (see {@link #close}).
   */
  void unsubscribe(MessageConsumer<?> consumer) {
    Future<Void> unregistered;
    try {
      unregistered = consumer.unregister();
    } catch (RuntimeException e) {
      // Refused by a Vert.x that shuts down: nothing is left to drop. Otherwise, a subscription may stay behind.
      boolean shuttingDown = e instanceof RejectedExecutionException || VertxInternals.isClosing(vertx);
      LOG.log(shuttingDown ? System.Logger.Level.DEBUG : System.Logger.Level.ERROR,
          () -> "the event bus did not drop the consumer at " + consumer.address(), e);
      return;
    }
    if (!unregistered.isComplete()) {
      unsubscribing.add(unregistered);
      unregistered.onComplete(ar -> unsubscribing.remove(unregistered));
    }
  }

  /**
   * Vert.x is closing: every server stops (trees in order) before Vert.x undeploys what is left.
   * Then the close waits, {@value #SETTLE_SECONDS} s more at most, until every server's exit is
   * complete (a killed supervisor's children stop after it; a root whose start was under way is
   * stopped too) and the cluster manager has answered for every consumer they dropped: an answer
   * that came after Vert.x shut its event loops down would be refused, and logged by Vert.x as an
   * error.
   */
  private void close(Completable<Void> done) {
    starter.stopAll().onComplete(ar -> {
      Promise<Void> settled = Promise.promise();
      settled.future().onComplete(ar2 -> done.succeed()); // first: whatever throws below, the close goes on
      try {
        ScheduledFuture<?> bound = VertxInternals.schedule(home, TimeUnit.SECONDS.toNanos(SETTLE_SECONDS), () -> {
          if (settled.tryComplete()) {
            LOG.log(System.Logger.Level.WARNING, () -> table.servers() + " servers and " + unsubscribing.size()
                + " dropped consumers were still unsettled " + SETTLE_SECONDS + " s into Vert.x's close; closing anyway");
          }
        });
        settled.future().onComplete(ar2 -> bound.cancel(false));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "Vert.x's close could not arm its bound; it goes on without waiting", e);
        settled.tryComplete();
      }
      settle(settled);
    });
  }

  /** Completes {@code settled} once no server's exit and no dropped consumer is pending, looking again after each wait. */
  private void settle(Promise<Void> settled) {
    if (settled.future().isComplete()) {
      return; // the bound ran out
    }
    List<Future<?>> pending = new ArrayList<>();
    for (Future<Void> unregistered : unsubscribing) {
      if (!unregistered.isComplete()) { // one answered may stay in the set until its listener ran
        pending.add(unregistered);
      }
    }
    for (ServerProcess process : table.unstopped()) {
      Future<Void> stopped = process.stopped();
      if (process.isRoot()) {
        // A root placed after the servers were told to stop (its name claim was under way) is told now; again is harmless.
        try {
          stopped = process.shutdown(ExitReason.shutdown());
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, () -> "Vert.x's close could not stop " + process, e);
        }
      }
      if (!stopped.isComplete()) {
        pending.add(stopped);
      }
    }
    if (pending.isEmpty()) {
      settled.tryComplete();
    } else {
      Future.join(pending).onComplete(ar -> settle(settled));
    }
  }
}
