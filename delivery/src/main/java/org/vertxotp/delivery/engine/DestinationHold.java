package org.vertxotp.delivery.engine;

/**
 * A destination's peer asked for quiet ({@code Retry-After}, or a {@code 429}): nothing is sent to
 * it until a time, whatever is due. Holds only grow: a shorter request does not cut a longer one.
 * Waiting under a hold is not an attempt.
 */
final class DestinationHold {

  private boolean held;
  private long untilMillis;

  /** Holds until {@code untilMillis}, or longer if already held longer. */
  void until(long untilMillis) {
    this.untilMillis = held ? Math.max(this.untilMillis, untilMillis) : untilMillis;
    held = true;
  }

  /** True while nothing may go at {@code now}. */
  boolean holds(long now) {
    if (held && now >= untilMillis) {
      held = false;
    }
    return held;
  }

  /** When the hold ends; meaningful while {@link #holds}. */
  long untilMillis() {
    return untilMillis;
  }
}
