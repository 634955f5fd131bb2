package org.vertxotp.delivery.engine;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;

/**
 * What an attempt's outcome makes of a delivery: delivered, retried after its slot (or the peer's
 * longer {@code Retry-After}, which also holds the destination), or ended as a dead letter or a
 * drop, announced once stored. Nothing ended ever fires again. Part of the {@link RetryEngine},
 * on its state.
 */
final class Settling {

  private final RetryPolicy policy;
  private final DoubleSupplier random;
  private final Map<String, Entry> pending;
  private final Map<String, DeadLetter> deadLetters;
  private final Dispatcher dispatcher;
  private final StoreSync sync;
  private final Counters counters;

  Settling(RetryPolicy policy, DoubleSupplier random, Map<String, Entry> pending, Map<String, DeadLetter> deadLetters,
           Dispatcher dispatcher, StoreSync sync, Counters counters) {
    this.policy = policy;
    this.random = random;
    this.pending = pending;
    this.deadLetters = deadLetters;
    this.dispatcher = dispatcher;
    this.sync = sync;
    this.counters = counters;
  }

  /**
   * The one place where an attempt's outcome becomes the delivery's next state. {@code live} is
   * false for an outcome told late (its cancel refused): the breaker heard of that attempt when it
   * came back, and is not told again.
   */
  void settled(Entry entry, long ticket, Outcome outcome, long now, boolean live, List<Effect> effects) {
    entry.attempts++;
    if (outcome instanceof Outcome.Delivered) {
      heard(live, true, ticket, now);
      pending.remove(entry.id());
      counters.delivered++;
      sync.changed(entry.id(), effects);
      return;
    }
    boolean permanent = outcome instanceof Outcome.Permanent;
    failed(entry, outcome.status(), permanent ? ((Outcome.Permanent) outcome).reason() : ((Outcome.Transient) outcome).reason(), now);
    if (permanent) {
      heard(live, true, ticket, now); // the peer answered: it is up
      end(entry, effects);
      return;
    }
    Outcome.Transient failure = (Outcome.Transient) outcome;
    OptionalLong holdFor = policy.holdMillis(failure.status(), failure.retryAfterMillis());
    // A peer that said when to come back is up: the hold keeps to its word, the breaker hears an answer.
    heard(live, holdFor.isPresent(), ticket, now);
    if (holdFor.isPresent()) {
      dispatcher.hold().until(Millis.plus(now, holdFor.getAsLong()));
    }
    retryOrEnd(entry, failure.retryAfterMillis(), now, effects);
  }

  /** A delivery that fell due while a failing breaker is open: an attempt that failed at once, on its own schedule. */
  void failedWhereItWaited(Entry entry, long now, List<Effect> effects) {
    entry.attempts++;
    failed(entry, 0, "circuit breaker open", now);
    retryOrEnd(entry, OptionalLong.empty(), now, effects);
  }

  /** The breaker hears how attempt {@code ticket} went, if it is told as it happens ({@code live}). */
  private void heard(boolean live, boolean answered, long ticket, long now) {
    if (!live) {
      return;
    }
    if (answered) {
      dispatcher.breaker().answered();
    } else {
      dispatcher.breaker().failed(ticket, now);
    }
  }

  private static void failed(Entry entry, int status, String reason, long now) {
    entry.lastStatus = status;
    entry.lastReason = reason;
    if (entry.firstFailureMillis == 0) {
      entry.firstFailureMillis = now;
    }
    entry.lastFailureMillis = now;
  }

  private void retryOrEnd(Entry entry, OptionalLong retryAfterMillis, long now, List<Effect> effects) {
    if (policy.isExhausted(entry.attempts)) {
      end(entry, effects);
      return;
    }
    entry.dueMillis = Millis.plus(now, policy.waitMillis(entry.attempts, random.getAsDouble(), retryAfterMillis));
    counters.retried++;
    sync.changed(entry.id(), effects); // back in the queue once the store has the new schedule
  }

  /** A delivery that will not be attempted again: a dead letter, or dropped, as the policy says; announced once stored. */
  private void end(Entry entry, List<Effect> effects) {
    String id = entry.id();
    pending.remove(id); // it was out, or failed where it waited: in no queue
    DeadLetter letter = entry.deadLetter();
    boolean dead = policy.exhausted() == RetryPolicy.Exhausted.DEAD_LETTER;
    if (dead) {
      deadLetters.put(id, letter);
      counters.deadLettered++;
    } else {
      counters.dropped++;
    }
    sync.changed(id, effects);
    sync.announceWhenKept(id, dead ? new Effect.DeadLettered(letter) : new Effect.Dropped(letter));
  }
}
