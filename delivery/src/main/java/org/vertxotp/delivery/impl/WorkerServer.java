package org.vertxotp.delivery.impl;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
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
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
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
    final Vertx vertx;
    /** The worker's own context: its timers run here. */
    final Context context;
    final Clock clock;
    /** False when the transport's own bound is shorter than the attempt timeout: then no watchdog per attempt. */
    final boolean watchesAttempts;
    /** Unconfirmed saves, by the sequence of the delivery they save: a second enqueue of it waits for its save. */
    final Map<Long, Future<Void>> saving = new HashMap<>();

    State(Args args, Vertx vertx) {
      this.args = args;
      this.vertx = vertx;
      this.context = vertx.getOrCreateContext();
      this.clock = Clock.of(vertx);
      DeliveryWorkerOptions options = args.options();
      this.engine = new RetryEngine(new RetryEngine.Settings(options.getRetryPolicy(), options.getMaxConcurrency(),
          options.getBreakerThreshold(), options.getBreakerCoolOff().toMillis(), options.getMaxRetryAfter().toMillis()),
          options.getRandom());
      this.watchesAttempts = args.transport().attemptBound()
          .map(own -> own.compareTo(options.getAttemptTimeout()) >= 0).orElse(true);
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

  /**
   * Tags the store's confirmation of a change, piped back to the worker: then {@code from} gets
   * {@code answer}. If the store failed, what the change saved is taken back ({@code undo}) and
   * the caller told; if not, it is confirmed.
   */
  private record Confirmation(From from, Object answer, List<Event.Rollback> undo) {}

  /** The first message a worker handles: load what its store kept. */
  private record Load() {}

  /** The longest a wake-up is armed for: a wake carries nothing, so a farther one is simply armed again. */
  private static final Duration LONGEST_WAKE = Duration.ofDays(1);

  /** How long a worker waits for its store's state when it starts; past it the worker crashes (and is restarted). */
  static final Duration LOAD_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;

  public WorkerServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts at once (its supervisor does not wait for the store); the load is its first message. */
  @Override
  public InitResult<State> init(Args args) {
    return ok(new State(args, vertx), Action.continueWith(new Load()));
  }

  /** Loads what the store kept, holding the worker's own mailbox (not its supervisor's) meanwhile. */
  @Override
  public NoReplyResult<State> handleContinue(Object continuation, State s) {
    Future<StoredState> loaded = within(s, s.args.store().load(s.args.name()), LOAD_TIMEOUT, () -> Future.failedFuture(
        new TimeoutException("the delivery store did not load " + s.args.name() + " within " + LOAD_TIMEOUT)));
    return async(loaded.map(stored -> {
      carryOut(s, s.engine.apply(new Event.Restore(stored), now(s)));
      return noreply(s);
    }));
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    long now = now(s);
    if (request instanceof WorkerRequests.Enqueue enqueue) {
      String id = enqueue.delivery().id();
      if (s.engine.isPending(id)) { // deduplicated; but not acknowledged before the first one is stored
        Future<Void> first = s.saving.get(s.engine.sequenceOf(id));
        return first == null ? reply(false, s) : afterStore(first, from, false, List.of(), s);
      }
      List<Effect> effects = s.engine.apply(new Event.Enqueue(enqueue.delivery(), enqueue.delayMillis()), now);
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
    undo.forEach(save -> s.saving.put(save.sequence(), saved));
    GenServer.pipeToSelf(saved, new Confirmation(from, answer, undo));
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
      // The one place where what a transport gave becomes an outcome: it promises outcomes, so a
      // failure, or nothing, is an attempt to retry.
      Outcome outcome = piped instanceof Piped.Succeeded done && done.value() instanceof Outcome o ? o
          : new Outcome.Transient(0, piped instanceof Piped.Failed failed ? "the transport failed: " + failed.cause()
              : "the transport gave no outcome");
      carryOut(s, s.engine.apply(new Event.Settled(attempt.ticket(), outcome), now));
    } else if (message instanceof Piped piped && piped.tag() instanceof Confirmation confirmation) {
      confirmation.undo().forEach(save -> s.saving.remove(save.sequence()));
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

  /**
   * Carries out the engine's effects, in order. Returns when the store has taken all of its
   * share (each store keeps one worker's changes in the order they were made).
   */
  private static Future<Void> carryOut(State s, List<Effect> effects) {
    Args args = s.args;
    DeliveryStore store = args.store();
    String worker = args.name();
    List<Future<Void>> stored = new ArrayList<>(2);
    for (Effect effect : effects) {
      if (effect instanceof Effect.Dispatch dispatch) {
        GenServer.pipeToSelf(attempt(s, dispatch), new Attempt(dispatch.ticket()));
      } else if (effect instanceof Effect.ArmWake wake) {
        Timers.startSingleTimer(WAKE, WAKE, wake.delayMillis() > LONGEST_WAKE.toMillis() ? LONGEST_WAKE
            : Duration.ofMillis(wake.delayMillis()));
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
   * One attempt through the transport. One that throws is a permanent failure (what it cannot
   * send now it will not send later). Unless the transport keeps a shorter bound of its own, the
   * attempt is cut at the attempt timeout, as a transient failure.
   */
  private static Future<Outcome> attempt(State s, Effect.Dispatch dispatch) {
    Future<Outcome> sent;
    try {
      sent = s.args.transport().send(dispatch.delivery(), dispatch.attempt());
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable cannotSend) {
      return Future.succeededFuture(new Outcome.Permanent(0, "cannot send: " + cannotSend));
    }
    if (sent == null) {
      return Future.succeededFuture(); // no outcome: see handleInfo
    }
    if (!s.watchesAttempts || sent.isComplete()) {
      return sent;
    }
    Duration limit = s.args.options().getAttemptTimeout();
    return within(s, sent, limit,
        () -> Future.succeededFuture(new Outcome.Transient(0, "no outcome within " + limit.toMillis() + " ms")));
  }

  /** {@code work}'s result, or, if it has none after {@code limit} on the toolkit's clock, {@code otherwise}'s. */
  private static <T> Future<T> within(State s, Future<T> work, Duration limit, Supplier<Future<T>> otherwise) {
    Promise<T> bounded = Promise.promise();
    Clock.Scheduled timer = s.clock.schedule(s.context, limit.toNanos(), () -> otherwise.get().onComplete(ar -> {
      if (ar.succeeded()) {
        bounded.tryComplete(ar.result());
      } else {
        bounded.tryFail(ar.cause());
      }
    }));
    work.onComplete(ar -> {
      timer.cancel();
      if (ar.succeeded()) {
        bounded.tryComplete(ar.result());
      } else {
        bounded.tryFail(ar.cause());
      }
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
