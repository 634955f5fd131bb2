package org.vertxotp.delivery.engine;

import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.spi.StoredDelivery;

/** What the engine asks its shell to do; the engine itself does nothing but decide. */
public sealed interface Effect {

  /** Make attempt number {@code attempt} now; report its outcome as {@code Settled(ticket, outcome)}. */
  record Dispatch(Delivery delivery, int attempt, long ticket) implements Effect {}

  /**
   * Arm (or move) the worker's one wake-up to {@code atMillis}, which is {@code delayMillis} from
   * the engine's now (never negative); any earlier one is replaced.
   */
  record ArmWake(long atMillis, long delayMillis) implements Effect {}

  /** Nothing is waiting on time: the wake-up, if armed, can go. */
  record CancelWake() implements Effect {}

  /**
   * Store the pending delivery's state (new, or changed by an outcome or a redrive), forgetting a
   * dead letter of the same id in the same step (a redriven or re-enqueued one): the store never
   * holds neither.
   */
  record Save(StoredDelivery delivery) implements Effect {}

  /** Forget the delivery: it is no longer pending (delivered, cancelled, taken back), nor a dead letter. */
  record Remove(String id) implements Effect {}

  /** The delivery ended as a dead letter: store and publish it. */
  record DeadLettered(DeadLetter letter) implements Effect {}

  /** The delivery ended, dropped with its last error: publish it; nothing is kept. */
  record Dropped(DeadLetter letter) implements Effect {}

  /**
   * The dead letter {@code letter} is one again (what replaced it was not saved): store it as a
   * dead letter, which forgets any pending record of its id, and announce nothing.
   */
  record DeadLetterAgain(DeadLetter letter) implements Effect {}
}
