package org.vertxotp.delivery.engine;

import java.util.Optional;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.spi.StoredDelivery;

/** One pending delivery, as the engine keeps it. */
final class Entry {
  final Delivery delivery;
  final long sequence;
  /** The dead letter this delivery replaced (re-enqueued or redriven), kept until the call that made it is kept, to undo it. */
  DeadLetter replaced;
  /** False from the enqueue or redrive that made it until the store has kept that whole call: nothing is sent before. */
  boolean accepted;
  int attempts;
  long dueMillis;
  int lastStatus;
  String lastReason;
  long firstFailureMillis;
  long lastFailureMillis;
  /** The ticket of its attempt in flight, or 0. */
  long ticket;
  /** True once cancelled while its attempt was in flight: that attempt's outcome no longer counts. */
  boolean withdrawn;
  /**
   * The outcome of a withdrawn attempt, kept until the cancel is kept: if the store refuses the
   * cancel, the delivery goes on as if never cancelled, and this outcome counts after all.
   */
  org.vertxotp.delivery.Outcome withdrawnOutcome;
  /** When {@link #withdrawnOutcome} came back. */
  long withdrawnAtMillis;
  /** Bumped whenever it is (re)queued, dispatched or taken out: a queue slot of an older generation is stale. */
  long generation;
  /** The redrive whose rate governs its first start, or null. */
  RedrivePace pace;

  Entry(Delivery delivery, long sequence, long dueMillis, boolean accepted) {
    this.delivery = delivery;
    this.sequence = sequence;
    this.dueMillis = dueMillis;
    this.accepted = accepted;
  }

  static Entry restored(StoredDelivery s) {
    Entry entry = new Entry(s.delivery(), s.sequence(), s.dueMillis(), true);
    entry.attempts = s.attempts();
    entry.lastStatus = s.lastStatus();
    entry.lastReason = s.lastReason();
    entry.firstFailureMillis = s.firstFailureMillis();
    entry.lastFailureMillis = s.lastFailureMillis();
    return entry;
  }

  String id() {
    return delivery.id();
  }

  /** Makes every queue slot of it stale: it was queued again, sent, or taken out. */
  void invalidate() {
    generation++;
  }

  boolean inFlight() {
    return ticket != 0;
  }

  StoredDelivery stored() {
    return new StoredDelivery(delivery, sequence, attempts, dueMillis, lastStatus, lastReason, firstFailureMillis,
        lastFailureMillis);
  }

  DeadLetter deadLetter() {
    return new DeadLetter(delivery, attempts, lastStatus, lastReason, firstFailureMillis, lastFailureMillis);
  }

  DeliveryStatus status() {
    return new DeliveryStatus(id(), delivery.target(), attempts, inFlight() && !withdrawn, dueMillis,
        Optional.ofNullable(lastReason));
  }
}
