package org.vertxotp.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * When a delivery that failed transiently is tried again, and what happens when it has failed too
 * often: a value with validated factories. The backoff arithmetic is pure and takes its randomness
 * as an argument, so it is tested against tables.
 *
 * <p>Slot {@code n} (from 1) is the wait after the {@code n}-th failed attempt; the failure after
 * the last slot is the last one. With the HTTP default (30 s, 5 min, 30 min, 2 h, 6 h) that makes
 * six attempts in all; a scheduled follow-up's default is 3 retries at 200, 400, 800 ms.
 *
 * <p>A peer's {@code Retry-After} is a lower bound, never a shortcut: the wait after a failure
 * that carries one is {@code max(slot, min(Retry-After, maxRetryAfter))}, so a peer that asks for
 * a second is still given its slot, and one that asks for a month is given {@code maxRetryAfter}
 * (or the slot, if longer). A {@code Retry-After}, and a {@code 429} without one, also hold the
 * whole destination for a while ({@link #holdMillis}).
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
  /** The longest a peer's {@code Retry-After} may make a worker wait. */
  public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofHours(6);

  private final List<Duration> slots;
  private final double jitter;
  private final Exhausted exhausted;
  private final long maxRetryAfterMillis;

  private RetryPolicy(List<Duration> slots, double jitter, Exhausted exhausted) {
    this(slots, jitter, exhausted, DEFAULT_MAX_RETRY_AFTER);
  }

  private RetryPolicy(List<Duration> slots, double jitter, Exhausted exhausted, Duration maxRetryAfter) {
    this.slots = List.copyOf(slots);
    if (this.slots.stream().anyMatch(slot -> slot.isNegative() || slot.isZero())) {
      throw new IllegalArgumentException("every slot must be positive: " + slots);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter is a fraction from 0 to 1: " + jitter);
    }
    this.jitter = jitter;
    this.exhausted = Objects.requireNonNull(exhausted, "exhausted");
    Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    if (maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("maxRetryAfter must not be negative: " + maxRetryAfter);
    }
    this.maxRetryAfterMillis = saturatedMillis(maxRetryAfter);
  }

  private static long saturatedMillis(Duration duration) {
    try {
      return duration.toMillis();
    } catch (ArithmeticException beyondMillis) {
      return Long.MAX_VALUE;
    }
  }

  /** Deliveries to peers: {@link #HTTP_SLOTS}, {@link #DEFAULT_JITTER}, then a dead letter. */
  public static RetryPolicy http() {
    return new RetryPolicy(HTTP_SLOTS, DEFAULT_JITTER, Exhausted.DEAD_LETTER);
  }

  /** Scheduled follow-ups: {@link #FOLLOW_UP_SLOTS}, {@link #DEFAULT_JITTER}, then dropped. */
  public static RetryPolicy followUp() {
    return new RetryPolicy(FOLLOW_UP_SLOTS, DEFAULT_JITTER, Exhausted.DROP);
  }

  /** A policy of {@code slots} (each positive), {@code jitter} (0 to 1), ending as {@code exhausted}. */
  public static RetryPolicy of(List<Duration> slots, double jitter, Exhausted exhausted) {
    return new RetryPolicy(slots, jitter, exhausted);
  }

  /** This policy with other slots (each positive); the failure after the last one ends the delivery. */
  public RetryPolicy withSlots(List<Duration> slots) {
    return new RetryPolicy(slots, jitter, exhausted, Duration.ofMillis(maxRetryAfterMillis));
  }

  /** This policy with another jitter: each wait lengthened by up to {@code jitter} (0 to 1) of itself. */
  public RetryPolicy withJitter(double jitter) {
    return new RetryPolicy(slots, jitter, exhausted, Duration.ofMillis(maxRetryAfterMillis));
  }

  /** This policy ending in a dead letter or a drop. */
  public RetryPolicy withExhausted(Exhausted exhausted) {
    return new RetryPolicy(slots, jitter, exhausted, Duration.ofMillis(maxRetryAfterMillis));
  }

  /** This policy with another bound on how long a peer's {@code Retry-After} can make it wait ({@link #DEFAULT_MAX_RETRY_AFTER}). */
  public RetryPolicy withMaxRetryAfter(Duration maxRetryAfter) {
    return new RetryPolicy(slots, jitter, exhausted, maxRetryAfter);
  }

  /** The longest a {@code Retry-After} may make a worker wait, in milliseconds. */
  public long maxRetryAfterMillis() {
    return maxRetryAfterMillis;
  }

  /** The waits after the first, second, ... failure, before jitter. */
  public List<Duration> slots() {
    return slots;
  }

  /** The fraction (0 to 1) by which each wait may be lengthened at random. */
  public double jitter() {
    return jitter;
  }

  /** What becomes of a delivery whose slots are used up, or that failed permanently. */
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

  /**
   * The wait after the {@code failedAttempts}-th failure when the peer said {@code retryAfterMillis}
   * (or nothing): the slot's {@link #backoffMillis}, or the {@code Retry-After} (at most
   * {@link #maxRetryAfterMillis}) if that is longer.
   */
  public long waitMillis(int failedAttempts, double random, OptionalLong retryAfterMillis) {
    long slot = backoffMillis(failedAttempts, random);
    return retryAfterMillis.isPresent() ? Math.max(slot, clampedRetryAfter(retryAfterMillis.getAsLong())) : slot;
  }

  /**
   * How long a failure holds the whole destination: a {@code Retry-After} (at most
   * {@link #maxRetryAfterMillis}), or, for a {@code 429} without one, the first slot; empty for
   * any other failure. Until then nothing is sent to that destination, and waiting is no attempt.
   */
  public OptionalLong holdMillis(int status, OptionalLong retryAfterMillis) {
    if (retryAfterMillis.isPresent()) {
      return OptionalLong.of(clampedRetryAfter(retryAfterMillis.getAsLong()));
    }
    return status == 429 && !slots.isEmpty() ? OptionalLong.of(slots.get(0).toMillis()) : OptionalLong.empty();
  }

  private long clampedRetryAfter(long retryAfterMillis) {
    return Math.min(Math.max(0, retryAfterMillis), maxRetryAfterMillis);
  }

  @Override
  public String toString() {
    return "RetryPolicy" + slots + " jitter " + jitter + ", then " + exhausted + ", Retry-After up to " + maxRetryAfterMillis + " ms";
  }
}
