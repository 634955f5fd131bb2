package org.vertxotp.delivery.impl;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.engine.Effect;
import org.vertxotp.delivery.engine.Event;
import org.vertxotp.delivery.engine.RetryEngine;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoredState;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.Action;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.Piped;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.time.Timers;

/**
 * A delivery worker: the thin gen_server shell around one {@link RetryEngine}. It feeds the
 * engine its events (calls, outcomes piped back from the transport, wakes of its one keyed timer)
 * with the toolkit clock's time, and carries out the effects: attempts through the transport
 * (concurrently, never holding the mailbox), the keyed wake-up, the store, the published events.
 * It holds nothing the store does not also hold, so its supervisor can restart it at any time.
 */
public final class WorkerServer implements GenServer<WorkerServer.Args, WorkerServer.State> {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.delivery");
  /** The key (and message) of the worker's one wake-up timer. */
  private static final String WAKE = "wake";

  /** What a worker starts from: its destination and the service's parts. */
  public record Args(String destination, String name, Transport transport, DeliveryStore store,
                     DeliveryWorkerOptions options) {}

  /** The worker's state, confined to its context. */
  public static final class State {
    final Args args;
    final RetryEngine engine;
    final Clock clock;
    final Vertx vertx;

    State(Args args, Vertx vertx) {
      this.args = args;
      this.vertx = vertx;
      this.clock = Clock.of(vertx);
      DeliveryWorkerOptions options = args.options();
      this.engine = new RetryEngine(new RetryEngine.Settings(options.getRetryPolicy(), options.getMaxConcurrency(),
          options.getBreakerThreshold(), options.getBreakerCoolOff().toMillis(), options.getMaxRetryAfter().toMillis()),
          options.getRandom());
    }

    /** What the worker did, for {@code Sys} and tests. */
    public DeliveryStats stats() {
      RetryEngine.Counters counters = engine.counters();
      return new DeliveryStats(args.destination(), engine.pending().size(), engine.inFlight(), engine.deadLetters().size(),
          counters.delivered(), counters.retried(), counters.deadLettered(), counters.dropped(), engine.isBreakerOpen());
    }
  }

  /** Tags an attempt's outcome, piped back to the worker. */
  private record Attempt(long ticket) {}

  /** The store's state, read before the first message is handled. */
  private record Restored(StoredState state) {}

  private final Vertx vertx;

  public WorkerServer(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(Args args) {
    return asyncInit(args.store().load(args.destination()).map(stored ->
        ok(new State(args, vertx), Action.continueWith(new Restored(stored)))));
  }

  @Override
  public NoReplyResult<State> handleContinue(Object continuation, State s) {
    carryOut(s, s.engine.apply(new Event.Restore(((Restored) continuation).state()), now(s)));
    return noreply(s);
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    long now = now(s);
    if (request instanceof WorkerRequests.Enqueue enqueue) {
      if (s.engine.isPending(enqueue.delivery().id())) {
        return reply(false, s); // already pending: deduplicated
      }
      Event event = new Event.Enqueue(enqueue.delivery(), now + Math.max(0, enqueue.delayMillis()));
      // Acknowledged only once the store has it; the mailbox is not held meanwhile.
      carryOut(s, s.engine.apply(event, now)).onComplete(stored -> {
        if (stored.succeeded()) {
          from.reply(true);
        } else {
          from.reject("not stored: " + stored.cause());
        }
      });
      return noreply(s);
    } else if (request instanceof WorkerRequests.Cancel cancel) {
      boolean pending = s.engine.isPending(cancel.id());
      carryOut(s, s.engine.apply(new Event.Cancel(cancel.id()), now));
      return reply(pending, s);
    } else if (request instanceof WorkerRequests.Flush) {
      carryOut(s, s.engine.apply(new Event.Flush(), now));
      return reply(null, s);
    } else if (request instanceof WorkerRequests.Redrive redrive) {
      int before = s.engine.deadLetters().size();
      carryOut(s, s.engine.apply(new Event.Redrive(redrive.ids(), redrive.perSecond()), now));
      return reply(before - s.engine.deadLetters().size(), s);
    } else if (request instanceof WorkerRequests.Status status) {
      return reply(s.engine.status(status.id()), s);
    } else if (request instanceof WorkerRequests.Pending) {
      return reply(s.engine.pending(), s);
    } else if (request instanceof WorkerRequests.DeadLetters) {
      return reply(s.engine.deadLetters(), s);
    } else if (request instanceof WorkerRequests.Stats) {
      return reply(s.stats(), s);
    }
    return reject("not a delivery worker request: " + request.getClass().getName(), s);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    long now = now(s);
    if (WAKE.equals(message)) {
      carryOut(s, s.engine.apply(new Event.Due(), now));
    } else if (message instanceof Piped.Succeeded done && done.tag() instanceof Attempt attempt) {
      carryOut(s, s.engine.apply(new Event.Settled(attempt.ticket(), (Outcome) done.value()), now));
    } else if (message instanceof Piped.Failed failed && failed.tag() instanceof Attempt attempt) {
      // A transport promises outcomes, not failures; one that failed anyway is an attempt to retry.
      Outcome outcome = new Outcome.Transient(0, "the transport failed: " + failed.cause());
      carryOut(s, s.engine.apply(new Event.Settled(attempt.ticket(), outcome), now));
    }
    return noreply(s);
  }

  @Override
  public Object formatStatus(State s) {
    return s.stats();
  }

  private static long now(State s) {
    return s.clock.currentTimeMillis();
  }

  /**
   * Carries out the engine's effects, in order. Returns when the store has taken all of its
   * share (each store keeps one worker's changes in the order they were made).
   */
  private Future<Void> carryOut(State s, List<Effect> effects) {
    Args args = s.args;
    DeliveryStore store = args.store();
    String worker = args.destination();
    List<Future<Void>> stored = new ArrayList<>(2);
    for (Effect effect : effects) {
      if (effect instanceof Effect.Dispatch dispatch) {
        GenServer.pipeToSelf(args.transport().send(dispatch.delivery(), dispatch.attempt()), new Attempt(dispatch.ticket()));
      } else if (effect instanceof Effect.ArmWake wake) {
        Timers.startSingleTimer(WAKE, WAKE, Duration.ofMillis(Math.max(0, wake.atMillis() - now(s))));
      } else if (effect instanceof Effect.CancelWake) {
        Timers.cancel(WAKE);
      } else if (effect instanceof Effect.Save save) {
        stored.add(store.save(worker, save.delivery()));
      } else if (effect instanceof Effect.Remove remove) {
        stored.add(store.remove(worker, remove.id()));
      } else if (effect instanceof Effect.DeadLettered dead) {
        stored.add(store.deadLetter(worker, dead.letter()));
        publish(s, "dead-letter", dead.letter());
      } else if (effect instanceof Effect.Dropped dropped) {
        stored.add(store.remove(worker, dropped.letter().id()));
        publish(s, "dropped", dropped.letter());
      } else if (effect instanceof Effect.ForgetDeadLetter forget) {
        stored.add(store.removeDeadLetter(worker, forget.id()));
      }
    }
    Future<Void> all = Future.all(stored).mapEmpty();
    return all.onFailure(e -> LOG.log(Level.WARNING, () -> "delivery store of " + worker + " failed: " + e, e));
  }

  /** Every dead letter and every dropped delivery is published on the service's event address, as JSON. */
  private static void publish(State s, String event, DeadLetter letter) {
    JsonObject json = new JsonObject()
        .put("event", event)
        .put("worker", s.args.name())
        .put("id", letter.id())
        .put("target", letter.delivery().target())
        .put("attempts", letter.attempts())
        .put("status", letter.lastStatus())
        .put("reason", letter.reason())
        .put("firstFailure", letter.firstFailureMillis())
        .put("lastFailure", letter.lastFailureMillis());
    s.vertx.eventBus().publish(s.args.options().getEventAddress(), json);
  }
}
