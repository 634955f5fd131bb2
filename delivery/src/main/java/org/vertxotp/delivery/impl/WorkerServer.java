package org.vertxotp.delivery.impl;

import static org.vertxotp.genserver.Results.*;

import org.vertxotp.genserver.ExitReason;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.engine.Counters;
import org.vertxotp.delivery.engine.Effect;
import org.vertxotp.delivery.engine.Event;
import org.vertxotp.delivery.engine.Record;
import org.vertxotp.delivery.engine.RetryEngine;
import org.vertxotp.delivery.engine.StoreBackoff;
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
 * engine its events (calls, outcomes and store answers piped back, wakes of its keyed timer) with
 * the toolkit clock's time, and carries out the effects: attempts through the transport
 * (concurrently, never holding the mailbox), the wake-up, the store's writes, the callers'
 * answers, the published ends. It holds nothing the store does not also hold, so its supervisor
 * can restart it at any time.
 *
 * <p>It starts at once and loads what its store kept as its first step. A store that cannot load
 * does not crash it (a crash loop would stop the whole service): it answers every call but
 * {@code stats} with {@code NotStored} ("unavailable") and loads again after a backoff
 * ({@link StoreBackoff}) until it can. Calls that came during its first load wait for it.
 */
public final class WorkerServer implements GenServer<WorkerServer.Args, WorkerServer.State> {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.delivery");
  /** The key (and message) of the worker's wake-up timer. */
  private static final String WAKE = "wake";
  /** The key (and message) of the timer that loads again after a failed load. */
  private static final String LOAD_AGAIN = "load again";

  /**
   * What a worker starts from: its destination and the service's parts.
   *
   * @param placedHere whether the destination belongs on this node now, asked before every attempt
   *                   and every change: a worker whose destination does not stops, without sending
   *                   or changing anything (its state is in the store for the node it belongs on)
   */
  public record Args(String destination, String name, Transport transport, DeliveryStore store,
                     DeliveryWorkerOptions options, java.util.function.BooleanSupplier placedHere) {}

  /** Tells a worker that found its destination placed elsewhere to stop. */
  private record Fenced() {}

  /** The worker's state, confined to its context. */
  public static final class State {
    final Args args;
    final Vertx vertx;
    /** Set once the destination was found placed elsewhere: nothing is sent or changed after that. */
    boolean fenced;
    /** The worker's own context: its timers run here. */
    final Context context;
    final Clock clock;
    final RetryEngine.Settings settings;
    /** False when the transport's own bound is shorter than the attempt timeout: then no watchdog per attempt. */
    final boolean watchesAttempts;
    /** Null until the store's state is loaded. */
    RetryEngine engine;
    /** Why the last load failed, while the worker cannot load; null otherwise. */
    String unavailable;
    int loadFailures;
    /** Calls that came during the first load: handled once it is done. */
    final List<Postponed> postponed = new ArrayList<>(0);
    /** Ids whose last write the store failed: an outage is logged when the first fails and when the last is kept. */
    final Set<String> failingWrites = new HashSet<>();
    /** Callers waiting for the store, by the ticket the engine answers them by. */
    final Map<Long, From> callers = new HashMap<>();
    long nextCaller = 1;

    State(Args args, Vertx vertx) {
      this.args = args;
      this.vertx = vertx;
      this.context = vertx.getOrCreateContext();
      this.clock = Clock.of(vertx);
      DeliveryWorkerOptions options = args.options();
      BreakerPolicy breaker = options.getBreaker() != null ? options.getBreaker() : args.transport().defaultBreaker();
      this.settings = new RetryEngine.Settings(options.getRetryPolicy(), breaker, options.getMaxConcurrency());
      this.watchesAttempts = args.transport().attemptBound()
          .map(own -> own.compareTo(options.getAttemptTimeout()) >= 0).orElse(true);
    }

    /** What the worker did, for {@code Sys} and tests. */
    public DeliveryStats stats() {
      if (engine == null) {
        return new DeliveryStats(args.destination(), 0, 0, 0, 0, 0, 0, 0, false, false, 0, false);
      }
      Counters counters = engine.counters();
      return new DeliveryStats(args.destination(), engine.pendingCount(), engine.inFlight(), engine.deadLetterCount(),
          counters.delivered(), counters.retried(), counters.deadLettered(), counters.dropped(), engine.isBreakerOpen(),
          engine.isHeld(clock.currentTimeMillis()), engine.unstoredCount(), true);
    }

    long register(From from) {
      long caller = nextCaller++;
      callers.put(caller, from);
      return caller;
    }
  }

  private record Postponed(Object request, From from) {}

  /** Tags an attempt's outcome, piped back to the worker. */
  private record Attempt(long ticket) {}

  /** Tags the store's answer to a write, piped back to the worker. */
  private record Writing(String id, long version) {}

  /** Tags the store's answer to a load, piped back to the worker. */
  private record Loading() {}

  /** The first step: load what the store kept. */
  private record Load() {}

  /** The longest a wake-up is armed for: a wake carries nothing, so a farther one is simply armed again. */
  private static final Duration LONGEST_WAKE = Duration.ofDays(1);

  /** How long a worker waits for its store's state; past it the load counts as failed, and is tried again. */
  static final Duration LOAD_TIMEOUT = Duration.ofSeconds(30);

  /** How long a worker waits for one write; past it the write counts as failed, and is written again. */
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;

  public WorkerServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts at once (its supervisor does not wait for the store); the load is its first step. */
  @Override
  public InitResult<State> init(Args args) {
    return ok(new State(args, vertx), Action.continueWith(new Load()));
  }

  @Override
  public NoReplyResult<State> handleContinue(Object continuation, State s) {
    load(s);
    return noreply(s);
  }

  /** Loads what the store kept, without holding the mailbox: the answer comes back as a message. */
  private static void load(State s) {
    Future<StoredState> loaded;
    try {
      loaded = s.args.store().load(s.args.name());
    } catch (RuntimeException e) { // a store that throws is a store that failed
      loaded = Future.failedFuture(e);
    }
    GenServer.pipeToSelf(within(s, loaded, LOAD_TIMEOUT, () -> Future.failedFuture(
        new TimeoutException("no answer within " + LOAD_TIMEOUT.toSeconds() + " s"))), new Loading());
  }

  private static void loaded(Piped piped, State s) {
    if (piped instanceof Piped.Succeeded done && done.value() instanceof StoredState stored) {
      if (s.unavailable != null) {
        LOG.log(Level.INFO, () -> "delivery worker " + s.args.name() + " loaded its store after "
            + s.loadFailures + " failed attempts");
      }
      s.unavailable = null;
      s.loadFailures = 0;
      s.engine = new RetryEngine(s.settings, s.args.options().getRandom());
      carryOut(s, s.engine.apply(new Event.Restore(stored), now(s)));
      List<Postponed> postponed = List.copyOf(s.postponed);
      s.postponed.clear();
      if (s.fenced) {
        return; // stopping: the postponed callers are told the worker exited
      }
      for (Postponed call : postponed) {
        answer(call.from(), handle(call.request(), call.from(), s));
      }
      return;
    }
    String why = piped instanceof Piped.Failed failed ? String.valueOf(failed.cause()) : "the store gave no state";
    s.loadFailures++;
    s.unavailable = why;
    long wait = StoreBackoff.millis(s.loadFailures);
    Level level = s.loadFailures == 1 ? Level.WARNING : Level.DEBUG;
    LOG.log(level, () -> "delivery worker " + s.args.name() + " could not load its store (" + why + "); loading again in "
        + wait + " ms, and answering calls with NotStoredException until then");
    for (Postponed call : s.postponed) {
      call.from().reply(unavailable(s));
    }
    s.postponed.clear();
    Timers.startSingleTimer(LOAD_AGAIN, LOAD_AGAIN, Duration.ofMillis(wait));
  }

  private static WorkerRequests.NotStored unavailable(State s) {
    return new WorkerRequests.NotStored("unavailable: the delivery store could not load " + s.args.name() + " ("
        + s.unavailable + "); loading again");
  }

  /** Gives a postponed caller what {@code handleCall} would have returned for it. */
  private static void answer(From from, CallResult<State> result) {
    if (result instanceof CallResult.Reply<State> reply) {
      from.reply(reply.reply());
    } else if (result instanceof CallResult.Reject<State> reject) {
      from.reject(reject.why());
    } // a noreply answers later, through the engine
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    if (changes(request) && !placedHere(s)) {
      return stop(ExitReason.normal(), s); // the caller's call fails (the server exited) and finds the worker where it belongs
    }
    if (s.engine != null) {
      return handle(request, from, s);
    }
    if (request instanceof WorkerRequests.Stats) {
      return reply(s.stats(), s);
    }
    if (s.unavailable == null) { // the first load is under way: wait for it
      s.postponed.add(new Postponed(request, from));
      return noreply(s);
    }
    return reply(unavailable(s), s);
  }

  private static boolean changes(Object request) {
    return request instanceof WorkerRequests.Enqueue || request instanceof WorkerRequests.Cancel
        || request instanceof WorkerRequests.Redrive || request instanceof WorkerRequests.Flush;
  }

  /**
   * Whether the destination is still placed on this node; once it is not, the worker asks itself to
   * stop (and sends nothing meanwhile): another node runs it, or none may yet.
   */
  private static boolean placedHere(State s) {
    if (!s.fenced && !s.args.placedHere().getAsBoolean()) {
      s.fenced = true;
      LOG.log(Level.DEBUG, () -> "delivery worker " + s.args.name() + " is placed on another node now, or on none: stopping");
      GenServer.send(s.vertx, GenServer.self(), new Fenced());
    }
    return !s.fenced;
  }

  private static CallResult<State> handle(Object request, From from, State s) {
    long now = now(s);
    RetryEngine engine = s.engine;
    if (request instanceof WorkerRequests.Enqueue enqueue) {
      carryOut(s, engine.apply(new Event.Enqueue(enqueue.delivery(), enqueue.delayMillis(), s.register(from)), now));
      return noreply(s); // answered by the engine once the store has it
    } else if (request instanceof WorkerRequests.Cancel cancel) {
      carryOut(s, engine.apply(new Event.Cancel(cancel.id(), s.register(from)), now));
      return noreply(s);
    } else if (request instanceof WorkerRequests.Redrive redrive) {
      if (redrive.ids() == null || !(redrive.perSecond() > 0)) {
        return reject("redrive needs ids (empty for all) and a positive rate", s);
      }
      carryOut(s, engine.apply(new Event.Redrive(redrive.ids(), redrive.perSecond(), s.register(from)), now));
      return noreply(s);
    } else if (request instanceof WorkerRequests.Flush) {
      carryOut(s, engine.apply(new Event.Flush(), now));
      return reply(null, s);
    } else if (request instanceof WorkerRequests.Status status) {
      return reply(engine.status(status.id()), s);
    } else if (request instanceof WorkerRequests.Pending) {
      return reply(engine.pending(), s);
    } else if (request instanceof WorkerRequests.DeadLetters) {
      return reply(engine.deadLetters(), s);
    } else if (request instanceof WorkerRequests.Stats) {
      return reply(s.stats(), s);
    }
    return reject("not a delivery worker request: " + (request == null ? "null" : request.getClass().getName()), s);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof Fenced) {
      return stop(ExitReason.normal(), s);
    }
    if (message instanceof Piped piped && piped.tag() instanceof Loading) {
      loaded(piped, s);
    } else if (LOAD_AGAIN.equals(message) && s.engine == null) {
      load(s);
    } else if (s.engine == null) {
      return noreply(s); // nothing else can concern a worker that has not loaded
    } else if (!placedHere(s)) {
      // Placed elsewhere now (or this node's lease lapsed, say after a pause): an outcome, a store
      // answer or a wake-up changes and writes nothing more; the node it belongs on goes on from the store.
      return noreply(s);
    } else if (WAKE.equals(message)) {
      carryOut(s, s.engine.apply(new Event.Due(), now(s)));
    } else if (message instanceof Piped piped && piped.tag() instanceof Attempt attempt) {
      // The one place where what a transport gave becomes an outcome: it promises outcomes, so a
      // failure, or nothing, is an attempt to retry.
      Outcome outcome = piped instanceof Piped.Succeeded done && done.value() instanceof Outcome o ? o
          : new Outcome.Transient(0, piped instanceof Piped.Failed failed ? "the transport failed: " + failed.cause()
              : "the transport gave no outcome");
      carryOut(s, s.engine.apply(new Event.Settled(attempt.ticket(), outcome), now(s)));
    } else if (message instanceof Piped piped && piped.tag() instanceof Writing writing) {
      carryOut(s, s.engine.apply(storeAnswer(writing, piped, s), now(s)));
    }
    return noreply(s);
  }

  private static Event storeAnswer(Writing writing, Piped answer, State s) {
    if (answer instanceof Piped.Failed failed) {
      boolean first = s.failingWrites.isEmpty();
      s.failingWrites.add(writing.id());
      LOG.log(first ? Level.WARNING : Level.DEBUG, () -> "delivery store of " + s.args.name() + " failed to write "
          + writing.id() + ": " + failed.cause() + "; writing it again later, and nothing it changed goes before it is kept");
      return new Event.WriteFailed(writing.id(), writing.version(), String.valueOf(failed.cause()));
    }
    if (s.failingWrites.remove(writing.id()) && s.failingWrites.isEmpty()) {
      LOG.log(Level.INFO, () -> "delivery store of " + s.args.name() + " keeps writes again");
    }
    return new Event.Written(writing.id(), writing.version());
  }

  @Override
  public Object formatStatus(State s) {
    return s.stats();
  }

  private static long now(State s) {
    return s.clock.currentTimeMillis();
  }

  /**
   * Carries out the engine's effects, in order. A store answer that is there at once (an
   * in-memory store) goes back to the engine at once, and what it asks for is carried out too.
   */
  private static void carryOut(State s, List<Effect> first) {
    Deque<Effect> effects = new ArrayDeque<>(first);
    for (Effect effect; (effect = effects.poll()) != null; ) {
      if (effect instanceof Effect.Dispatch dispatch) {
        if (placedHere(s)) {
          GenServer.pipeToSelf(attempt(s, dispatch), new Attempt(dispatch.ticket()));
        } // else not sent: the worker stops, and the node the destination belongs on sends it

      } else if (effect instanceof Effect.ArmWake wake) {
        Timers.startSingleTimer(WAKE, WAKE, wake.delayMillis() > LONGEST_WAKE.toMillis() ? LONGEST_WAKE
            : Duration.ofMillis(wake.delayMillis()));
      } else if (effect instanceof Effect.CancelWake) {
        Timers.cancel(WAKE);
      } else if (effect instanceof Effect.Write && s.fenced) {
        continue; // placed elsewhere now: the node it belongs on writes
      } else if (effect instanceof Effect.Write write) {
        Future<Void> written = write(s, write.record(), write.id());
        Writing tag = new Writing(write.id(), write.version());
        if (written.isComplete()) {
          Piped answer = written.succeeded() ? new Piped.Succeeded(tag, null) : new Piped.Failed(tag, written.cause());
          effects.addAll(s.engine.apply(storeAnswer(tag, answer, s), now(s)));
        } else {
          GenServer.pipeToSelf(within(s, written, WRITE_TIMEOUT, () -> Future.failedFuture(
              new TimeoutException("no answer within " + WRITE_TIMEOUT.toSeconds() + " s"))), tag);
        }
      } else if (effect instanceof Effect.Answer answer) {
        From from = s.callers.remove(answer.caller());
        if (from != null) {
          from.reply(answer.value());
        }
      } else if (effect instanceof Effect.Refuse refuse) {
        From from = s.callers.remove(refuse.caller());
        if (from != null) {
          from.reply(new WorkerRequests.NotStored(refuse.reason()));
        }
      } else if (effect instanceof Effect.DeadLettered dead) {
        DeadLetter letter = dead.letter();
        LOG.log(Level.WARNING, () -> "dead letter: " + letter.id() + " to " + letter.delivery().target() + " (worker "
            + s.args.name() + ") after " + letter.attempts() + (letter.attempts() == 1 ? " attempt: " : " attempts: ")
            + letter.reason());
        publish(s, "dead-letter", dead.letter());
      } else if (effect instanceof Effect.Dropped dropped) {
        publish(s, "dropped", dropped.letter());
      }
    }
  }

  /** The store's write of {@code record}; a store that throws has failed. */
  private static Future<Void> write(State s, Record record, String id) {
    DeliveryStore store = s.args.store();
    String worker = s.args.name();
    try {
      Future<Void> written;
      if (record instanceof Record.Pending pending) {
        written = store.save(worker, pending.delivery());
      } else if (record instanceof Record.Dead dead) {
        written = store.deadLetter(worker, dead.letter());
      } else {
        written = store.remove(worker, id);
      }
      return written == null ? Future.failedFuture(new IllegalStateException("the store gave no future")) : written;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
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

  private static <T> Future<T> within(State s, Future<T> work, Duration limit, Supplier<Future<T>> otherwise) {
    return Bounded.within(s.clock, s.context, work, limit, otherwise);
  }

  /** Every dead letter and every dropped delivery is published on the service's event address, as JSON, once stored. */
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
