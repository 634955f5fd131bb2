package org.vertxotp.genserver;

import java.time.Duration;
import java.util.Objects;

/**
 * What the server loop does after a callback returned, before it takes the next message:
 * nothing, arm a one-shot result timeout, or run {@code handleContinue}.
 */
public sealed interface Action permits Action.None, Action.Timeout, Action.Continue {

  /** Take the next message. */
  record None() implements Action {}

  /**
   * If no message arrives within {@code after}, {@code handleInfo(Timeout.INSTANCE, state)} runs.
   * Any message that arrives first cancels it. Zero means "now, unless a message is already
   * waiting".
   */
  record Timeout(Duration after) implements Action {
    public Timeout {
      Objects.requireNonNull(after, "after");
      if (after.isNegative()) {
        throw new IllegalArgumentException("timeout must not be negative: " + after);
      }
    }
  }

  /** Run {@code handleContinue(value, state)} before any other message. */
  record Continue(Object value) implements Action {}

  Action NONE = new None();

  static Action timeout(Duration after) {
    return GenServer.isInfinite(after) ? NONE : new Timeout(after);
  }

  static Action continueWith(Object value) {
    return new Continue(value);
  }
}
