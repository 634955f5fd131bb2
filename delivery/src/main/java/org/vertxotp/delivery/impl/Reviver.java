package org.vertxotp.delivery.impl;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.vertxotp.delivery.engine.StoreBackoff;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.WorkerPlacement;
import org.vertxotp.genserver.Action;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.Piped;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.time.Timers;

/**
 * The first child of a delivery service's supervisor: starts a worker for every destination its
 * store keeps something for under the service's name, each time the service (re)starts. If the
 * store cannot say which (an outage), it tries again after a backoff ({@link StoreBackoff}) until
 * it can, and the service runs meanwhile: an enqueue starts its own worker. It answers
 * {@link AwaitFirstTry} once its first try is over, so that a start can wait for it.
 *
 * <p>A worker's name may still be held by the worker of the service's previous incarnation (a
 * supervisor killed by its parent takes its children down after it, as OTP's links do), or, in a
 * cluster, by the worker on the node the destination was placed on before: the reviver then
 * watches that holder, and starts the destination's worker once it is gone.
 *
 * <p>It keeps the part in the service's placement while it runs: it joins it at start, starts
 * the workers of another node's enqueues ({@link StartWorker}), and when placement changes stops
 * the workers placed elsewhere now and starts those placed here. It also takes plain programs'
 * enqueues ({@code DeliveryWireFormat}).
 */
public final class Reviver implements GenServer<Reviver.Args, Reviver.State> {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.delivery");
  private static final String TRY_AGAIN = "try again";
  /** How long one try waits for the store to list its workers. */
  static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * @param startWorker starts the worker of a destination: completes empty if it started one (or
   *                    the supervisor has it already), or with the server that holds its name
   * @param enqueue     the service's enqueue, for plain programs' requests ({@code DeliveryWireFormat})
   */
  public record Args(String service, ServerName supervisor, DeliveryStore store, WorkerPlacement placement,
                     Function<String, Future<Optional<ServerRef>>> startWorker,
                     java.util.function.BiFunction<org.vertxotp.delivery.Delivery, Duration, Future<Boolean>> enqueue) {
  }

  /**
   * Asks the reviver to start the worker of {@code destination} on its node (another node's enqueue
   * found none); answered once that was tried, with the worker's holder if there is one
   * ({@code Optional<ServerRef>}).
   */
  public record StartWorker(String destination) {}

  /** Answered once the first try is over, whether or not the store answered it. */
  public record AwaitFirstTry() {}

  /** What the reviver knows, confined to its context. */
  public static final class State {
    final Args args;
    boolean triedOnce;
    int failures;
    final List<From> waiting = new ArrayList<>(1);
    /** Destinations whose name another server held, by the monitor of that holder. */
    final Map<MonitorRef, String> heldBy = new HashMap<>();
    /** This part's place among those that run the service's workers, and the watch of placement changes. */
    Future<AutoCloseable> joined;
    int joinFailures;
    /** Destinations whose worker's node was lost, until when (System.nanoTime) it may still run there. */
    final Map<String, Long> notBefore = new HashMap<>();
    /** Where plain programs enqueue, while this part runs. */
    io.vertx.core.eventbus.MessageConsumer<Object> plain;

    State(Args args) {
      this.args = args;
    }
  }

  private record Tried() {}

  /** Tags the start of one destination whose name's holder went. */
  private record Restarted(String destination) {}

  /** A destination whose name {@code holder} held when its worker was to start. */
  private record Held(String destination, ServerRef holder) {}

  private record Try() {}

  /** The node of the worker that held a destination's name was lost a quarantine ago. */
  private record HolderLost(String destination) {}

  /** The placement did not count this part in. */
  private record JoinFailed(Throwable cause) {}

  /** Which node a destination belongs on may have changed. */
  private record PlacementChanged() {}

  /** Tags the end of a move: the workers no longer placed here were stopped. */
  private record MovedAway() {}

  private static final String MOVE = "move";
  private static final String JOIN_AGAIN = "join again";
  /** Changes of placement come in bursts (a member joins: partitions move one by one): one move after the burst. */
  private static final Duration MOVE_AFTER = Duration.ofMillis(100);

  private final Vertx vertx;

  public Reviver(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(Args args) {
    State s = new State(args);
    join(s);
    s.plain = vertx.eventBus().consumer(org.vertxotp.delivery.DeliveryWireFormat.address(args.service()),
        message -> PlainEnqueues.handle(message, args.enqueue()));
    return ok(s, Action.continueWith(new Try()));
  }

  /**
   * Counts this part among those of the service until the reviver ends, however it ends (a kill
   * skips terminate: a monitor of itself leaves the placement then too). A join that fails is
   * tried again after a backoff: not counted, the part gets no work, but it must not crash-loop.
   */
  private void join(State s) {
    io.vertx.core.Context context = vertx.getOrCreateContext();
    ServerRef self = GenServer.self();
    Future<AutoCloseable> joined;
    try {
      joined = s.args.placement().join(s.args.service(), () -> context.runOnContext(v -> GenServer.send(vertx, self,
          new PlacementChanged())));
    } catch (RuntimeException e) {
      joined = Future.failedFuture(e);
    }
    s.joined = joined;
    joined.onSuccess(handle -> context.runOnContext(v -> Monitors.monitor(vertx, self, down -> leave(s.args.service(), handle))));
    joined.onFailure(e -> context.runOnContext(v -> GenServer.send(vertx, self, new JoinFailed(e))));
  }

  private static void leave(String service, AutoCloseable joined) {
    try {
      joined.close();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, () -> "delivery service " + service + ": leaving the placement failed: " + e);
    }
  }

  @Override
  public void terminate(org.vertxotp.genserver.ExitReason reason, State s) {
    s.plain.unregister();
    s.joined.onSuccess(joined -> leave(s.args.service(), joined)); // a join still on its way is left once it arrives
  }

  @Override
  public NoReplyResult<State> handleContinue(Object continuation, State s) {
    tryOnce(s);
    return noreply(s);
  }

  private void tryOnce(State s) {
    String prefix = s.args.service() + "/";
    Future<Set<String>> listed;
    try {
      listed = s.args.store().workers();
    } catch (RuntimeException e) {
      listed = Future.failedFuture(e);
    }
    Future<List<Held>> started = bounded(listed).compose(workers -> {
      List<Future<Optional<Held>>> starts = new ArrayList<>();
      for (String worker : workers) {
        String destination = worker.startsWith(prefix) ? worker.substring(prefix.length()) : "";
        // Other services may share the store; other nodes run the destinations placed there.
        if (!destination.isEmpty() && mayStart(s, destination)) {
          starts.add(start(s, destination));
        }
      }
      return Future.all(starts).compose(all -> {
        List<Held> held = new ArrayList<>();
        starts.forEach(start -> start.result().ifPresent(held::add));
        return held.isEmpty() ? Future.succeededFuture(held) : notOurs(s, held);
      });
    });
    GenServer.pipeToSelf(started, new Tried());
  }

  /**
   * Of the servers that held a worker's name, those that are not this supervisor's own workers
   * (a racing enqueue may have started one): the previous incarnation's, on their way out.
   */
  private Future<List<Held>> notOurs(State s, List<Held> held) {
    return Supervisor.whichChildren(vertx, s.args.supervisor()).map(children -> {
      Set<ServerRef> ours = new HashSet<>();
      children.forEach(child -> child.server().ifPresent(ours::add));
      List<Held> stale = new ArrayList<>();
      for (Held h : held) {
        if (!ours.contains(h.holder())) {
          stale.add(h);
        }
      }
      return stale;
    });
  }

  private static Future<Optional<Held>> start(State s, String destination) {
    Future<Optional<ServerRef>> started;
    try {
      started = s.args.startWorker().apply(destination);
    } catch (RuntimeException e) {
      started = Future.failedFuture(e);
    }
    return started.map(holder -> holder.map(ref -> new Held(destination, ref)));
  }

  /**
   * Starts the worker of {@code destination} once the server that held its name went; the outcome
   * comes back as {@link Restarted}, with any other holder found meanwhile to watch.
   */
  private void restart(State s, String destination) {
    GenServer.pipeToSelf(start(s, destination).compose(held -> held.isEmpty() ? Future.succeededFuture(List.<Held>of())
        : notOurs(s, List.of(held.get()))), new Restarted(destination));
  }

  /**
   * Whether the worker of {@code destination} may start here now: it is placed here, and no node
   * that ran it was lost less than a quarantine ago.
   */
  private static boolean mayStart(State s, String destination) {
    Long until = s.notBefore.get(destination);
    if (until != null && System.nanoTime() - until >= 0) {
      s.notBefore.remove(destination);
      until = null;
    }
    return until == null && s.args.placement().isHere(s.args.service(), destination);
  }

  /** Watches the servers that held a worker's name: when one goes, the worker is started. */
  @SuppressWarnings("unchecked")
  private void watch(State s, Object held) {
    for (Held h : (List<Held>) held) {
      if (!s.heldBy.containsValue(h.destination())) { // watched already: one watch per destination
        s.heldBy.put(Monitors.monitor(vertx, h.holder()), h.destination());
      }
    }
  }

  private Future<Set<String>> bounded(Future<Set<String>> listed) {
    return Bounded.within(Clock.of(vertx), vertx.getOrCreateContext(), listed, LIST_TIMEOUT,
        () -> Future.failedFuture(new TimeoutException("no answer within " + LIST_TIMEOUT.toSeconds() + " s")));
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    if (request instanceof AwaitFirstTry) {
      if (s.triedOnce) {
        return reply(null, s);
      }
      s.waiting.add(from);
      return noreply(s);
    }
    if (request instanceof StartWorker start && start.destination() != null && !start.destination().isEmpty()
        && !mayStart(s, start.destination())) {
      return reply(Optional.empty(), s); // not placed here as this node sees it (or its lease lapsed): it starts nothing
    }
    if (request instanceof StartWorker start && start.destination() != null && !start.destination().isEmpty()) {
      // The caller asks the worker itself next, by ref where there is one: its copy of the names may not know it yet.
      ServerName worker = ServerName.of(s.args.service() + "/" + start.destination());
      start(s, start.destination()).onComplete(started -> from.reply(started.succeeded() && started.result().isPresent()
          ? Optional.of(started.result().get().holder()) : GenServer.whereisLocal(vertx, worker)));
      return noreply(s);
    }
    return reject("not a reviver request: " + request, s);
  }

  /**
   * Stops the workers of this part whose destinations now belong on another node (their state is
   * in the store; the node they belong on starts them once they are gone, see {@link #watch}),
   * then starts those placed here that the store keeps something for.
   */
  private void move(State s) {
    Future<Void> moved = Supervisor.whichChildren(vertx, s.args.supervisor()).compose(children -> {
      List<Future<Void>> stops = new ArrayList<>();
      for (org.vertxotp.genserver.supervisor.ChildInfo child : children) {
        if (!child.id().isEmpty() && !s.args.placement().isHere(s.args.service(), child.id())) {
          stops.add(Supervisor.terminateChild(vertx, s.args.supervisor(), child.id())
              .compose(stopped -> Supervisor.deleteChild(vertx, s.args.supervisor(), child.id())));
        }
      }
      return Future.join(stops).mapEmpty();
    });
    GenServer.pipeToSelf(moved, new MovedAway());
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof JoinFailed failed) {
      s.joinFailures++;
      long wait = StoreBackoff.millis(s.joinFailures);
      LOG.log(s.joinFailures == 1 ? Level.WARNING : Level.DEBUG, () -> "delivery service " + s.args.service()
          + " could not count this node's part among those that run its workers (" + failed.cause()
          + "); trying again in " + wait + " ms");
      Timers.startSingleTimer(JOIN_AGAIN, JOIN_AGAIN, Duration.ofMillis(wait));
      return noreply(s);
    }
    if (JOIN_AGAIN.equals(message)) {
      join(s);
      return noreply(s);
    }
    if (message instanceof Down down) {
      String destination = s.heldBy.remove(down.monitor()); // the holder from before went, whatever its reason
      if (destination != null && down.reason() instanceof org.vertxotp.genserver.ExitReason.NoConnection) {
        // Its node was lost: its worker may run until that node's lease has surely lapsed. Then.
        s.notBefore.put(destination, System.nanoTime() + s.args.placement().quarantine().toNanos());
        Timers.sendAfter(vertx, s.args.placement().quarantine(), GenServer.self(), new HolderLost(destination));
      } else if (destination != null && s.args.placement().isHere(s.args.service(), destination)) { // else its own node starts it
        restart(s, destination);
      }
    } else if (message instanceof Piped piped && piped.tag() instanceof Restarted restarted) {
      if (piped instanceof Piped.Succeeded done) {
        watch(s, done.value()); // yet another holder (a racing enqueue's worker is ours, and not watched)
      } else if (piped instanceof Piped.Failed failed) { // most likely the service is stopping; else try all again later
        LOG.log(Level.DEBUG, () -> "delivery service " + s.args.service() + " could not start the worker of "
            + restarted.destination() + ": " + failed.cause());
        Timers.startSingleTimer(TRY_AGAIN, TRY_AGAIN, Duration.ofMillis(StoreBackoff.millis(1)));
      }
    } else if (message instanceof Piped piped && piped.tag() instanceof Tried) {
      s.triedOnce = true;
      s.waiting.forEach(from -> from.reply(null));
      s.waiting.clear();
      if (piped instanceof Piped.Succeeded done) {
        watch(s, done.value());
      }
      if (piped instanceof Piped.Failed failed) {
        s.failures++;
        long wait = StoreBackoff.millis(s.failures);
        LOG.log(s.failures == 1 ? Level.WARNING : Level.DEBUG, () -> "delivery service " + s.args.service()
            + " could not start the workers its store keeps (" + failed.cause() + "); trying again in " + wait + " ms");
        Timers.startSingleTimer(TRY_AGAIN, TRY_AGAIN, Duration.ofMillis(wait));
      } else if (s.failures > 0) {
        LOG.log(Level.INFO, () -> "delivery service " + s.args.service() + " started the workers its store keeps, after "
            + s.failures + " failed tries");
        s.failures = 0;
      }
    } else if (TRY_AGAIN.equals(message)) {
      tryOnce(s);
    } else if (message instanceof HolderLost lost && mayStart(s, lost.destination())) {
      restart(s, lost.destination());
    } else if (message instanceof PlacementChanged) {
      Timers.startSingleTimer(MOVE, MOVE, MOVE_AFTER);
    } else if (MOVE.equals(message)) {
      move(s);
    } else if (message instanceof Piped piped && piped.tag() instanceof MovedAway) {
      if (piped instanceof Piped.Failed failed) {
        LOG.log(Level.DEBUG, () -> "delivery service " + s.args.service() + " could not stop every worker placed"
            + " elsewhere now: " + failed.cause());
      }
      tryOnce(s);
    }
    return noreply(s);
  }
}
