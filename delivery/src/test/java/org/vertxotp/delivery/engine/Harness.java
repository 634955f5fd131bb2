package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;

/**
 * An engine driven by hand, with a store of its own that keeps every write at once (or fails the
 * next ones, or holds them until told): what it asked for, what the store holds, how calls were
 * answered.
 */
final class Harness {

  static final long SECOND = 1000;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;
  static final Outcome FAIL = new Outcome.Transient(500, "HTTP 500");
  static final Outcome OK = new Outcome.Delivered(202);

  /** A call the engine refused. */
  record Refused(String reason) {}

  final RetryEngine engine;
  long now = 1_000_000;
  /** What the store holds, by id. */
  final Map<String, Record> store = new HashMap<>();
  /** Writes to fail, from the next one on. */
  int failNext;
  /** While true, writes wait in {@link #held} until {@link #keepHeld} or {@link #failHeld}. */
  boolean holdWrites;
  final List<Effect.Write> held = new ArrayList<>();
  /** Answers by caller: the value, or a {@link Refused}. */
  final Map<Long, Object> answers = new HashMap<>();
  private long nextCaller = 1;

  Harness(RetryPolicy policy, BreakerPolicy breaker, int concurrency, double random) {
    engine = new RetryEngine(new RetryEngine.Settings(policy, breaker, concurrency), () -> random);
  }

  Harness(RetryPolicy policy, int concurrency, double random) {
    this(policy, BreakerPolicy.holding(10, java.time.Duration.ofSeconds(60)), concurrency, random);
  }

  Harness() {
    this(RetryPolicy.http().withMaxRetryAfter(java.time.Duration.ofHours(1)), 4, 0);
  }

  static Delivery delivery(String id) {
    return new Delivery(id, "https://peer.example/inbox", new JsonObject().put("id", id));
  }

  /** Applies {@code event} and whatever the store's answers to its writes bring; every effect, in order. */
  List<Effect> apply(Event event) {
    List<Effect> all = new ArrayList<>();
    run(event, all);
    return all;
  }

  /**
   * Carries the effects out in order, as the worker does: a store answer that is there at once is
   * applied when its write comes up, and what it asks for goes to the end of the line.
   */
  private void run(Event event, List<Effect> all) {
    java.util.ArrayDeque<Effect> line = new java.util.ArrayDeque<>(applied(event));
    for (Effect effect; (effect = line.poll()) != null; ) {
      all.add(effect);
      if (effect instanceof Effect.Write write) {
        if (holdWrites) {
          held.add(write);
        } else if (failNext > 0) {
          failNext--;
          line.addAll(applied(new Event.WriteFailed(write.id(), write.version(), "disk full")));
        } else {
          store.put(write.id(), write.record());
          line.addAll(applied(new Event.Written(write.id(), write.version())));
        }
      } else if (effect instanceof Effect.Answer answer) {
        answers.put(answer.caller(), answer.value());
      } else if (effect instanceof Effect.Refuse refuse) {
        answers.put(refuse.caller(), new Refused(refuse.reason()));
      }
    }
  }

  /** The engine's effects for {@code event}, checked for a wake at or before now: a worker woken for nothing to do would spin. */
  private List<Effect> applied(Event event) {
    List<Effect> effects = engine.apply(event, now);
    for (Effect effect : effects) {
      if (effect instanceof Effect.ArmWake wake && wake.atMillis() <= now) {
        throw new AssertionError("a wake armed for now, after everything due at now was done: " + wake + " after " + event);
      }
    }
    return effects;
  }

  /** The store keeps the held writes, oldest first. */
  List<Effect> keepHeld() {
    return answerHeld(true);
  }

  /** The store fails the held writes, oldest first. */
  List<Effect> failHeld() {
    return answerHeld(false);
  }

  /** The store fails the held writes, newest first (its answers may come in any order). */
  List<Effect> failHeldNewestFirst() {
    java.util.Collections.reverse(held);
    return answerHeld(false);
  }

  private List<Effect> answerHeld(boolean keep) {
    List<Effect> all = new ArrayList<>();
    holdWrites = false;
    List<Effect.Write> writes = List.copyOf(held);
    held.clear();
    for (Effect.Write write : writes) {
      if (keep) {
        store.put(write.id(), write.record());
        run(new Event.Written(write.id(), write.version()), all);
      } else {
        run(new Event.WriteFailed(write.id(), write.version(), "disk full"), all);
      }
    }
    return all;
  }

  long caller() {
    return nextCaller++;
  }

  List<Effect> enqueue(String id) {
    return apply(new Event.Enqueue(delivery(id), 0, caller()));
  }

  List<Effect> enqueue(String id, long delay) {
    return apply(new Event.Enqueue(delivery(id), delay, caller()));
  }

  List<Effect> cancel(String id) {
    return apply(new Event.Cancel(id, caller()));
  }

  List<Effect> at(long time) {
    now = time;
    return apply(new Event.Due());
  }

  List<Effect> settle(Effect.Dispatch dispatch, Outcome outcome) {
    return apply(new Event.Settled(dispatch.ticket(), outcome));
  }

  /** The answer to the last call made. */
  Object lastAnswer() {
    return answers.get(nextCaller - 1);
  }

  static List<Effect.Dispatch> dispatches(List<Effect> effects) {
    List<Effect.Dispatch> dispatches = new ArrayList<>();
    effects.forEach(e -> {
      if (e instanceof Effect.Dispatch d) {
        dispatches.add(d);
      }
    });
    return dispatches;
  }

  static List<String> ids(List<Effect> effects) {
    return dispatches(effects).stream().map(d -> d.delivery().id()).toList();
  }

  static Effect.Dispatch only(List<Effect> effects) {
    List<Effect.Dispatch> dispatches = dispatches(effects);
    assertEquals(1, dispatches.size(), "one dispatch in " + effects);
    return dispatches.get(0);
  }

  static OptionalLong wake(List<Effect> effects) {
    OptionalLong wake = OptionalLong.empty();
    for (Effect e : effects) {
      if (e instanceof Effect.ArmWake arm) {
        wake = OptionalLong.of(arm.atMillis());
      }
    }
    return wake;
  }

  static <T extends Effect> List<T> of(Class<T> type, List<Effect> effects) {
    return effects.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
