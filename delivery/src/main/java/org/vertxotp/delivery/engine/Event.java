package org.vertxotp.delivery.engine;

import java.util.List;
import java.util.Objects;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.spi.StoredState;

/** What can happen to a worker's deliveries; {@link RetryEngine#apply} turns each into effects. */
public sealed interface Event {

  /**
   * A new delivery, due {@code delayMillis} from now (none if not positive; {@code Long.MAX_VALUE}
   * is never); an id already pending is left as it is.
   */
  record Enqueue(Delivery delivery, long delayMillis) implements Event {
    public Enqueue {
      Objects.requireNonNull(delivery, "delivery");
    }

    /** Due now. */
    public Enqueue(Delivery delivery) {
      this(delivery, 0);
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

  /** The delivery is withdrawn: its attempt in flight, if any, no longer counts. */
  record Cancel(String id) implements Event {}

  /** Everything waiting is due now. */
  record Flush() implements Event {}

  /** Dead letters back to pending, attempts from zero, at most {@code perSecond} of them per second; all of them when {@code ids} is empty. */
  record Redrive(List<String> ids, double perSecond) implements Event {
    public Redrive {
      ids = List.copyOf(ids);
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException("a redrive rate must be positive: " + perSecond);
      }
    }
  }

  /** After a restart: what the store kept. */
  record Restore(StoredState state) implements Event {}

  /**
   * The store did not keep the save of the delivery {@code id} enqueued (or redriven) as
   * {@code sequence}: it was not accepted, so it is taken back (and a dead letter it replaced is
   * one again). Nothing happens if that id is pending under another sequence by now.
   */
  record Rollback(String id, long sequence) implements Event {}
}
