package org.vertxotp.delivery.impl;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
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
    /** Enqueues whose save the store has not confirmed yet, by id: a second enqueue of that very delivery waits for it. */
    final Map<String, Saving> saving = new HashMap<>();

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
      return new DeliveryStats(args.destination(), engine.pendingCount(), engine.inFlight(), engine.deadLetterCount(),
          counters.delivered(), counters.retried(), counters.deadLettered(), counters.dropped(), engine.isBreakerOpen());
    }
  }

  /** Tags an attempt's outcome, piped back to the worker. */
  private record Attempt(long ticket) {}

  /** The save of the delivery enqueued as {@code sequence}, not confirmed yet. */
  private record Saving(long sequence, Future<Void> saved) {}

  /**
   * Tags the store's confirmation of a change, piped back to the worker: then {@code from} gets
   * {@code answer}. If the store failed, what the change saved is taken back ({@code undo}) and
   * the caller told; if not, it is confirmed. {@code savings} are the change's entries in the
   * state's map of unconfirmed saves.
   */
  private record Confirmation(From from, Object answer, List<Event.Rollback> undo, Map<String, Saving> savings) {}

  /** The longest a wake-up is armed for: a wake carries nothing, so a farther one is simply armed again. */
  private static final Duration LONGEST_WAKE = Duration.ofDays(1);

  /** The store's state, read before the first message is handled. */
  private record Restored(StoredState state) {}

  /** How long a worker waits for its store's state when it starts; past it the start fails (and is retried by the supervisor). */
  static final Duration LOAD_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;

  public WorkerServer(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(Args args) {
    Clock clock = Clock.of(vertx);
    Promise<StoredState> loaded = Promise.promise();
    Clock.Scheduled timeout = clock.schedule(vertx.getOrCreateContext(), LOAD_TIMEOUT.toNanos(), () ->
        loaded.tryFail(new TimeoutException("the delivery store did not load " + args.name() + " within " + LOAD_TIMEOUT)));
    args.store().load(args.name()).onComplete(ar -> {
      timeout.cancel();
      if (ar.succeeded()) {
        loaded.tryComplete(ar.result());
      } else {
        loaded.tryFail(ar.cause());
      }
    });
    return asyncInit(loaded.future().map(stored -> ok(new State(args, vertx), Action.continueWith(new Restored(stored)))));
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
      String id = enqueue.delivery().id();
      if (s.engine.isPending(id)) { // deduplicated; but not acknowledged before the first one is stored
        Saving first = s.saving.get(id);
        return first != null && first.sequence() == s.engine.sequenceOf(id)
            ? afterStore(first.saved(), from, false, List.of(), s) : reply(false, s);
      }
      List<Effect> effects = s.engine.apply(new Event.Enqueue(enqueue.delivery(), plus(now, Math.max(0, enqueue.delayMillis()))), now);
      return afterStore(carryOut(s, effects), from, true, rollbacks(effects), s);
    } else if (request instanceof WorkerRequests.Cancel cancel) {
      boolean pending = s.engine.isPending(cancel.id());
      return afterStore(carryOut(s, s.engine.apply(new Event.Cancel(cancel.id()), now)), from, pending, List.of(), s);
    } else if (request instanceof WorkerRequests.Flush) {
      carryOut(s, s.engine.apply(new Event.Flush(), now));
      return reply(null, s);
    } else if (request instanceof WorkerRequests.Redrive redrive) {
      if (redrive.ids() == null || !(redrive.perSecond() > 0)) {
        return reject("redrive needs ids (empty for all) and a positive rate", s);
      }
      int before = s.engine.deadLetterCount();
      List<Effect> effects = s.engine.apply(new Event.Redrive(redrive.ids(), redrive.perSecond()), now);
      return afterStore(carryOut(s, effects), from, before - s.engine.deadLetterCount(), rollbacks(effects), s);
    } else if (request instanceof WorkerRequests.Status status) {
      return reply(s.engine.status(status.id()), s);
    } else if (request instanceof WorkerRequests.Pending) {
      return reply(s.engine.pending(), s);
    } else if (request instanceof WorkerRequests.DeadLetters) {
      return reply(s.engine.deadLetters(), s);
    } else if (request instanceof WorkerRequests.Stats) {
      return reply(s.stats(), s);
    }
    return reject("not a delivery worker request: " + (request == null ? "null" : request.getClass().getName()), s);
  }

  /**
   * Answers {@code from} with {@code answer} once {@code saved} is kept: now if it is, else when
   * the store confirms. Until then, the deliveries it saves ({@code undo}) are unconfirmed: a
   * second enqueue of one of them waits for the same confirmation.
   */
  private static CallResult<State> afterStore(Future<Void> saved, From from, Object answer, List<Event.Rollback> undo, State s) {
    if (saved.succeeded()) {
      confirmed(undo, s);
      return reply(answer, s);
    }
    Map<String, Saving> savings = new HashMap<>();
    for (Event.Rollback pending : undo) {
      Saving saving = new Saving(pending.sequence(), saved);
      savings.put(pending.id(), saving);
      s.saving.put(pending.id(), saving);
    }
    GenServer.pipeToSelf(saved, new Confirmation(from, answer, undo, savings));
    return noreply(s);
  }

  /** The store kept these saves: nothing of them needs undoing any more. */
  private static void confirmed(List<Event.Rollback> saves, State s) {
    for (Event.Rollback save : saves) {
      s.engine.saved(save.id(), save.sequence());
    }
  }

  /** How to take back the deliveries these effects save, should the store not keep them. */
  private static List<Event.Rollback> rollbacks(List<Effect> effects) {
    List<Event.Rollback> undo = new ArrayList<>(1);
    for (Effect effect : effects) {
      if (effect instanceof Effect.Save save) {
        undo.add(new Event.Rollback(save.delivery().delivery().id(), save.delivery().sequence()));
      }
    }
    return undo;
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    long now = now(s);
    if (WAKE.equals(message)) {
      carryOut(s, s.engine.apply(new Event.Due(), now));
    } else if (message instanceof Piped piped && piped.tag() instanceof Attempt attempt) {
      Outcome outcome = piped instanceof Piped.Succeeded done && done.value() instanceof Outcome o ? o
          // A transport promises outcomes, not failures; one that failed anyway (or gave nothing) is an attempt to retry.
          : new Outcome.Transient(0, "the transport gave no outcome: "
              + (piped instanceof Piped.Failed failed ? failed.cause() : ((Piped.Succeeded) piped).value()));
      carryOut(s, s.engine.apply(new Event.Settled(attempt.ticket(), outcome), now));
    } else if (message instanceof Piped piped && piped.tag() instanceof Confirmation confirmation) {
      confirmation.savings().forEach(s.saving::remove);
      if (piped instanceof Piped.Failed failed) {
        for (Event.Rollback rollback : confirmation.undo()) { // not kept, so not accepted
          carryOut(s, s.engine.apply(rollback, now));
        }
        confirmation.from().reply(new WorkerRequests.NotStored("the delivery store failed: " + failed.cause()));
      } else {
        confirmed(confirmation.undo(), s);
        confirmation.from().reply(confirmation.answer());
      }
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

  /** {@code a - b}, saturating. */
  private static long minus(long a, long b) {
    long difference = a - b;
    return ((a ^ b) & (a ^ difference)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : difference;
  }

  /** {@code a + b}, saturating: a delay of {@code Long.MAX_VALUE} is "never", not the distant past. */
  private static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Carries out the engine's effects, in order. Returns when the store has taken all of its
   * share (each store keeps one worker's changes in the order they were made).
   */
  private Future<Void> carryOut(State s, List<Effect> effects) {
    Args args = s.args;
    DeliveryStore store = args.store();
    String worker = args.name();
    List<Future<Void>> stored = new ArrayList<>(2);
    for (Effect effect : effects) {
      if (effect instanceof Effect.Dispatch dispatch) {
        GenServer.pipeToSelf(attempt(s, dispatch), new Attempt(dispatch.ticket()));
      } else if (effect instanceof Effect.ArmWake wake) {
        long delay = Math.max(0, minus(wake.atMillis(), now(s)));
        Timers.startSingleTimer(WAKE, WAKE, delay > LONGEST_WAKE.toMillis() ? LONGEST_WAKE : Duration.ofMillis(delay));
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
      } else if (effect instanceof Effect.DeadLetterAgain again) {
        stored.add(store.deadLetter(worker, again.letter()));
      }
    }
    if (stored.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<Void> all = stored.size() == 1 ? stored.get(0) : Future.all(stored).mapEmpty();
    return all.onFailure(e -> LOG.log(Level.WARNING, () -> "delivery store of " + worker + " failed: " + e, e));
  }

  /**
   * One attempt through the transport, bounded by the transport's own bound if it declares one
   * shorter than the attempt timeout, else by the attempt timeout: a transport that throws is a
   * permanent failure (what it cannot send now it will not send later), one that never completes
   * a transient one.
   */
  private Future<Outcome> attempt(State s, Effect.Dispatch dispatch) {
    Future<Outcome> sent;
    Optional<Duration> ownBound;
    try {
      sent = s.args.transport().send(dispatch.delivery(), dispatch.attempt());
      ownBound = s.args.transport().attemptBound();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable cannotSend) {
      return Future.succeededFuture(new Outcome.Permanent(0, "cannot send: " + cannotSend));
    }
    if (sent == null) {
      return Future.succeededFuture(new Outcome.Transient(0, "the transport gave no outcome"));
    }
    if (sent.isComplete() || ownBound != null && ownBound.isPresent() && ownBound.get().compareTo(s.args.options().getAttemptTimeout()) < 0) {
      return sent; // bounded by the transport itself: no second timer per attempt
    }
    Duration limit = s.args.options().getAttemptTimeout();
    Promise<Outcome> bounded = Promise.promise();
    Clock.Scheduled watchdog = s.clock.schedule(vertx.getOrCreateContext(), limit.toNanos(),
        () -> bounded.tryComplete(new Outcome.Transient(0, "no outcome within " + limit.toMillis() + " ms")));
    sent.onComplete(ar -> {
      watchdog.cancel();
      bounded.tryComplete(ar.succeeded() ? ar.result() : new Outcome.Transient(0, "the transport failed: " + ar.cause()));
    });
    return bounded.future();
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
