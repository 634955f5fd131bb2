package org.vertxotp.delivery.engine;

import java.util.List;
import java.util.Objects;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.spi.StoredState;

/**
 * What can happen to a worker's deliveries; {@link RetryEngine#apply} turns each into effects.
 * A call's event carries its {@code caller}, a ticket of the shell's own: the engine answers it
 * with {@link Effect.Answer} once the store kept what the call changed, or {@link Effect.Refuse}
 * if the store failed (the call's changes are then undone).
 */
public sealed interface Event {

  /**
   * A new delivery, due {@code delayMillis} from now (none if not positive; {@code Long.MAX_VALUE}
   * is never); answered {@code true}, or {@code false} if the id is already pending (which changes
   * nothing). Made while an earlier enqueue or cancel of the id waits for the store, it waits for
   * that call's answer, then runs (its delay counting from then).
   */
  record Enqueue(Delivery delivery, long delayMillis, long caller) implements Event {
    public Enqueue {
      Objects.requireNonNull(delivery, "delivery");
    }
  }

  /** The attempt dispatched under {@code ticket} came to {@code outcome}. */
  record Settled(long ticket, Outcome outcome) implements Event {
    public Settled {
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** Time passed: whatever is due goes. A wake carries nothing, so a stale, duplicated or lost one harms nothing. */
  record Due() implements Event {}

  /**
   * The delivery is withdrawn (its attempt in flight, if any, no longer counts); answered whether
   * it was pending. Made while an earlier call of the id waits for the store, it waits for it.
   */
  record Cancel(String id, long caller) implements Event {}

  /** Everything waiting is due now. Nothing is written: a restart goes back to the stored due times. */
  record Flush() implements Event {}

  /**
   * Dead letters back to pending, attempts from zero, at most {@code perSecond} of them starting
   * per second; all of them when {@code ids} is empty. Answered with how many went back.
   */
  record Redrive(List<String> ids, double perSecond, long caller) implements Event {
    public Redrive {
      ids = List.copyOf(ids);
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException("a redrive rate must be positive: " + perSecond);
      }
    }
  }

  /** After a restart: what the store kept. */
  record Restore(StoredState state) implements Event {}

  /** The store kept the {@link Effect.Write} of {@code version} of {@code id}. */
  record Written(String id, long version) implements Event {}

  /** The store did not keep the {@link Effect.Write} of {@code version} of {@code id}, for {@code reason}. */
  record WriteFailed(String id, long version, String reason) implements Event {
    public WriteFailed {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
