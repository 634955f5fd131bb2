package org.vertxotp.delivery.engine;

import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;

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
   * Make the store hold {@code record} for {@code id} (replacing whatever it holds of it), and
   * report {@code Written(id, version)} or {@code WriteFailed(id, version, reason)}, once. Writes
   * go to the store in the order they are asked for: the engine relies on the store applying them
   * in that order.
   */
  record Write(String id, long version, Record record) implements Effect {}

  /** Answer the call {@code caller} with {@code value}: the store kept what it changed. */
  record Answer(long caller, Object value) implements Effect {}

  /** Refuse the call {@code caller}: the store failed ({@code reason}), and what it changed was undone. */
  record Refuse(long caller, String reason) implements Effect {}

  /** The delivery ended as a dead letter, and the store has it: announce it. */
  record DeadLettered(DeadLetter letter) implements Effect {}

  /** The delivery ended dropped with its last error, and the store forgot it: announce it. */
  record Dropped(DeadLetter letter) implements Effect {}
}
