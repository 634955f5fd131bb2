package org.vertxotp.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * When a worker stops sending to a failing destination, and what becomes of the deliveries that
 * fall due meanwhile: a value with validated factories, as {@link RetryPolicy} is.
 *
 * <p>After {@code threshold} transient failures in a row the breaker opens: nothing is sent for
 * {@code coolOff}, then one probe decides (delivered or a permanent answer closes it; a transient
 * failure opens it again). What falls due while it is open depends on {@link WhileOpen}: it waits
 * without counting an attempt ({@link WhileOpen#HOLD}, for deliveries to peers, whose slots are
 * long), or it fails at once as an attempt and keeps its own schedule, so that it is dropped or
 * dead-lettered when that schedule is exhausted ({@link WhileOpen#FAIL}, for deliveries whose
 * deadline matters more than the peer's rest, such as follow-ups).
 */
public final class BreakerPolicy {

  /** What becomes of a delivery that falls due while the breaker is open. */
  public enum WhileOpen {
    /** It waits for the breaker to close; waiting is not an attempt. */
    HOLD,
    /** It fails at once, as a transient attempt ({@code circuit breaker open}), and keeps its schedule. */
    FAIL
  }

  public static final int DEFAULT_THRESHOLD = 10;
  public static final Duration DEFAULT_COOL_OFF = Duration.ofSeconds(60);

  private static final BreakerPolicy NONE = new BreakerPolicy(0, Duration.ZERO, WhileOpen.HOLD);

  private final int threshold;
  private final Duration coolOff;
  private final WhileOpen whileOpen;

  private BreakerPolicy(int threshold, Duration coolOff, WhileOpen whileOpen) {
    this.threshold = threshold;
    this.coolOff = coolOff;
    this.whileOpen = whileOpen;
  }

  /** No breaker: every attempt goes when due, whatever the ones before it came to. The follow-ups' default. */
  public static BreakerPolicy none() {
    return NONE;
  }

  /** Deliveries to peers: {@link #DEFAULT_THRESHOLD} failures in a row, {@link #DEFAULT_COOL_OFF}, {@link WhileOpen#HOLD}. */
  public static BreakerPolicy http() {
    return holding(DEFAULT_THRESHOLD, DEFAULT_COOL_OFF);
  }

  /** Opens after {@code threshold} transient failures in a row; what falls due meanwhile waits. */
  public static BreakerPolicy holding(int threshold, Duration coolOff) {
    return of(threshold, coolOff, WhileOpen.HOLD);
  }

  /** Opens after {@code threshold} transient failures in a row; what falls due meanwhile fails at once and keeps its schedule. */
  public static BreakerPolicy failing(int threshold, Duration coolOff) {
    return of(threshold, coolOff, WhileOpen.FAIL);
  }

  public static BreakerPolicy of(int threshold, Duration coolOff, WhileOpen whileOpen) {
    if (threshold < 1) {
      throw new IllegalArgumentException("a breaker opens after at least one failure: " + threshold + " (none() for no breaker)");
    }
    Objects.requireNonNull(coolOff, "coolOff");
    if (coolOff.isNegative()) {
      throw new IllegalArgumentException("a cool-off must not be negative: " + coolOff);
    }
    return new BreakerPolicy(threshold, coolOff, Objects.requireNonNull(whileOpen, "whileOpen"));
  }

  /** False for {@link #none()}: then the breaker never opens. */
  public boolean isEnabled() {
    return threshold > 0;
  }

  /** Transient failures in a row that open it (0 for {@link #none()}). */
  public int threshold() {
    return threshold;
  }

  public Duration coolOff() {
    return coolOff;
  }

  public WhileOpen whileOpen() {
    return whileOpen;
  }

  @Override
  public String toString() {
    return isEnabled() ? "BreakerPolicy[" + threshold + " failures, " + coolOff + ", " + whileOpen + "]" : "BreakerPolicy[none]";
  }
}
