package org.vertxotp.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * When a delivery that failed transiently is tried again, and what happens when it has failed too
 * often: a value with validated factories. The backoff arithmetic is pure and takes its randomness
 * as an argument, so it is tested against tables.
 *
 * <p>Slot {@code n} (from 1) is the wait after the {@code n}-th failed attempt; the failure after
 * the last slot is the last one. With the HTTP default (30 s, 5 min, 30 min, 2 h, 6 h) that makes
 * six attempts in all; a scheduled follow-up's default is 3 retries at 200, 400, 800 ms.
 */
public final class RetryPolicy {

  /** What becomes of a delivery that failed permanently, or failed after its last slot. */
  public enum Exhausted {
    /** Kept as a dead letter: listed, published, and redriven on request (deliveries to peers). */
    DEAD_LETTER,
    /** Dropped with its last error: published, and gone (scheduled follow-ups). */
    DROP
  }

  public static final List<Duration> HTTP_SLOTS = List.of(Duration.ofSeconds(30), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(6));
  public static final List<Duration> FOLLOW_UP_SLOTS = List.of(Duration.ofMillis(200), Duration.ofMillis(400),
      Duration.ofMillis(800));
  /** Each wait is lengthened by up to this fraction, at random, so that peers are not hit in lockstep. */
  public static final double DEFAULT_JITTER = 0.2;

  private final List<Duration> slots;
  private final double jitter;
  private final Exhausted exhausted;

  private RetryPolicy(List<Duration> slots, double jitter, Exhausted exhausted) {
    this.slots = List.copyOf(slots);
    if (this.slots.stream().anyMatch(slot -> slot.isNegative() || slot.isZero())) {
      throw new IllegalArgumentException("every slot must be positive: " + slots);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter is a fraction from 0 to 1: " + jitter);
    }
    this.jitter = jitter;
    this.exhausted = Objects.requireNonNull(exhausted, "exhausted");
  }

  /** Deliveries to peers: {@link #HTTP_SLOTS}, {@link #DEFAULT_JITTER}, then a dead letter. */
  public static RetryPolicy http() {
    return new RetryPolicy(HTTP_SLOTS, DEFAULT_JITTER, Exhausted.DEAD_LETTER);
  }

  /** Scheduled follow-ups: {@link #FOLLOW_UP_SLOTS}, {@link #DEFAULT_JITTER}, then dropped. */
  public static RetryPolicy followUp() {
    return new RetryPolicy(FOLLOW_UP_SLOTS, DEFAULT_JITTER, Exhausted.DROP);
  }

  public static RetryPolicy of(List<Duration> slots, double jitter, Exhausted exhausted) {
    return new RetryPolicy(slots, jitter, exhausted);
  }

  public RetryPolicy withSlots(List<Duration> slots) {
    return new RetryPolicy(slots, jitter, exhausted);
  }

  public RetryPolicy withJitter(double jitter) {
    return new RetryPolicy(slots, jitter, exhausted);
  }

  public RetryPolicy withExhausted(Exhausted exhausted) {
    return new RetryPolicy(slots, jitter, exhausted);
  }

  public List<Duration> slots() {
    return slots;
  }

  public double jitter() {
    return jitter;
  }

  public Exhausted exhausted() {
    return exhausted;
  }

  /** True once {@code failedAttempts} failures used up every slot: no attempt follows. */
  public boolean isExhausted(int failedAttempts) {
    return failedAttempts > slots.size();
  }

  /**
   * The wait after the {@code failedAttempts}-th failure, in milliseconds: its slot lengthened by
   * {@code jitter × random} ({@code random} in [0, 1)).
   */
  public long backoffMillis(int failedAttempts, double random) {
    if (failedAttempts < 1 || isExhausted(failedAttempts)) {
      throw new IllegalArgumentException("no slot after " + failedAttempts + " failed attempts");
    }
    long slot = slots.get(failedAttempts - 1).toMillis();
    return slot + (long) (slot * jitter * random);
  }

  @Override
  public String toString() {
    return "RetryPolicy" + slots + " jitter " + jitter + ", then " + exhausted;
  }
}
