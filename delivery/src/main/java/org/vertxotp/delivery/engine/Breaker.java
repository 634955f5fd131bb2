package org.vertxotp.delivery.engine;

import org.vertxotp.delivery.BreakerPolicy;

/**
 * One destination's circuit breaker, as explicit states (Failsafe's closed, open and half-open):
 * {@link Closed} counts transient failures in a row; {@link Open} sends nothing until its cool-off
 * ends; {@link Probing} has let one attempt through and waits for it to decide. With
 * {@link BreakerPolicy#none()} it stays closed.
 */
final class Breaker {

  sealed interface State permits Closed, Open, Probing {}

  /** Everything may go; {@code failures} transient failures in a row so far. */
  record Closed(int failures) implements State {}

  /** Nothing goes before {@code untilMillis}; then one probe. */
  record Open(long untilMillis) implements State {}

  /** The attempt {@code ticket} is the probe: its outcome closes or opens the breaker. */
  record Probing(long ticket) implements State {}

  private static final Closed CLOSED = new Closed(0);

  private final BreakerPolicy policy;
  private State state = CLOSED;

  Breaker(BreakerPolicy policy) {
    this.policy = policy;
  }

  State state() {
    return state;
  }

  boolean isClosed() {
    return state instanceof Closed;
  }

  /** True if what falls due while it is open fails at once instead of waiting ({@link BreakerPolicy.WhileOpen#FAIL}). */
  boolean failsWhileOpen() {
    return policy.whileOpen() == BreakerPolicy.WhileOpen.FAIL;
  }

  /** True if the cool-off has ended and no probe is out: the next attempt is the probe. */
  boolean mayProbe(long now) {
    return state instanceof Open open && now >= open.untilMillis();
  }

  /** The attempt {@code ticket} went out as the probe. */
  void probing(long ticket) {
    state = new Probing(ticket);
  }

  /** The cool-off ended with nothing to probe with: closed again. */
  void nothingToProbe() {
    state = CLOSED;
  }

  /** The peer answered (delivered, or a permanent answer): it is up, whatever was going on. */
  void answered() {
    state = CLOSED;
  }

  /**
   * The attempt {@code ticket} failed transiently at {@code now}. Closed, it counts, and opens at
   * the threshold; a failed probe opens it again; failures of attempts that were already out when
   * it opened tell nothing new and do not lengthen the cool-off.
   */
  void failed(long ticket, long now) {
    if (!policy.isEnabled()) {
      return;
    }
    if (state instanceof Closed closed) {
      int failures = closed.failures() + 1;
      state = failures >= policy.threshold() ? openFrom(now) : new Closed(failures);
    } else if (state instanceof Probing probing && probing.ticket() == ticket) {
      state = openFrom(now);
    }
  }

  /** The attempt {@code ticket} was withdrawn before it told anything: if it was the probe, probe again at once. */
  void withdrawn(long ticket, long now) {
    if (state instanceof Probing probing && probing.ticket() == ticket) {
      state = new Open(now);
    }
  }

  private Open openFrom(long now) {
    return new Open(Millis.plus(now, policy.coolOff().toMillis()));
  }
}
