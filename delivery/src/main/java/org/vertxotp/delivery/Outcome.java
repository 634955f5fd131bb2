package org.vertxotp.delivery;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one attempt came to, already classified: delivered, worth retrying, or not. A transport
 * returns one for every attempt (it never fails its future with anything else), and the retry
 * engine turns it into the delivery's next state in one place.
 */
public sealed interface Outcome permits Outcome.Delivered, Outcome.Transient, Outcome.Permanent {

  /** The HTTP status of the peer's answer, or 0 when there was none (no connection, a server call). */
  int status();

  /** The target has it. */
  record Delivered(int status) implements Outcome {}

  /**
   * Worth another attempt later (a 5xx, a timeout, no connection). {@code retryAfterMillis}, when
   * present, is the peer's own {@code Retry-After}, which replaces the backoff slot (clamped).
   */
  record Transient(int status, String reason, OptionalLong retryAfterMillis) implements Outcome {
    public Transient {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(retryAfterMillis, "retryAfterMillis");
    }

    public Transient(int status, String reason) {
      this(status, reason, OptionalLong.empty());
    }
  }

  /** Retrying would not help (a 4xx, a refused target, a payload that cannot be sent): dead-lettered or dropped at once. */
  record Permanent(int status, String reason) implements Outcome {
    public Permanent {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
