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
 * supervisor killed by its parent takes its children down after it, as OTP's links do): the
 * reviver then watches that holder, and starts the destination's worker once it is gone.
 */
public final class Reviver implements GenServer<Reviver.Args, Reviver.State> {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.delivery");
  private static final String TRY_AGAIN = "try again";
  /** How long one try waits for the store to list its workers. */
  static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * @param startWorker starts the worker of a destination: completes empty if it started one (or
   *                    the supervisor has it already), or with the server that holds its name
   */
  public record Args(String service, DeliveryStore store, Function<String, Future<Optional<ServerRef>>> startWorker) {

    /** The service's supervisor, registered as the service's name. */
    ServerName supervisor() {
      return ServerName.of(service);
    }
  }

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

  private final Vertx vertx;

  public Reviver(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(Args args) {
    return ok(new State(args), Action.continueWith(new Try()));
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
        if (worker.startsWith(prefix) && worker.length() > prefix.length()) { // other services may share the store
          starts.add(start(s, worker.substring(prefix.length())));
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

  /** Watches the servers that held a worker's name: when one goes, the worker is started. */
  @SuppressWarnings("unchecked")
  private void watch(State s, Object held) {
    for (Held h : (List<Held>) held) {
      s.heldBy.put(Monitors.monitor(vertx, h.holder()), h.destination());
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
    return reject("not a reviver request: " + request, s);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof Down down) {
      String destination = s.heldBy.remove(down.monitor()); // the holder from before went, whatever its reason
      if (destination != null) {
        GenServer.pipeToSelf(start(s, destination).compose(held -> held.isEmpty() ? Future.succeededFuture(List.<Held>of())
            : notOurs(s, List.of(held.get()))), new Restarted(destination));
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
    }
    return noreply(s);
  }
}
