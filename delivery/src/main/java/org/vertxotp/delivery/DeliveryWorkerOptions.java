package org.vertxotp.delivery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.WorkerPlacement;

/**
 * How the workers of a {@link DeliveryService} retry (and how long a peer's {@code Retry-After}
 * may hold them: {@link RetryPolicy}), how much they send at once, when they stop sending to a
 * failing peer ({@link BreakerPolicy}), where they keep their state, where they run (on this
 * node, or spread over a cluster: {@link WorkerPlacement}) and where they publish what ended.
 * Vert.x Options style: {@code DEFAULT_*} constants, fluent setters.
 */
public final class DeliveryWorkerOptions {

  public static final int DEFAULT_MAX_CONCURRENCY = 4;
  /** Longer than the HTTP transport's own deadline (30 s) and the gen_server transport's call timeouts. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofMinutes(2);
  /** Where dead letters and dropped deliveries are published, as JSON. */
  public static final String DEFAULT_EVENT_ADDRESS = "genserver.delivery.events";

  private RetryPolicy retryPolicy = RetryPolicy.http();
  private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
  private BreakerPolicy breaker;
  private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
  private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
  private DeliveryStore store;
  private String eventAddress = DEFAULT_EVENT_ADDRESS;
  private WorkerPlacement placement = WorkerPlacement.LOCAL;

  public DeliveryWorkerOptions() {
  }

  /** A copy: a service keeps its own, so changing the options afterwards changes nothing of it. */
  public DeliveryWorkerOptions(DeliveryWorkerOptions other) {
    this.retryPolicy = other.retryPolicy;
    this.maxConcurrency = other.maxConcurrency;
    this.breaker = other.breaker;
    this.attemptTimeout = other.attemptTimeout;
    this.random = other.random;
    this.store = other.store;
    this.eventAddress = other.eventAddress;
    this.placement = other.placement;
  }

  /** Where the workers run: {@link WorkerPlacement#LOCAL} (all on this node) unless set. */
  public WorkerPlacement getPlacement() {
    return placement;
  }

  /**
   * Spreads the workers as {@code placement} says (the cluster module's {@code HazelcastPlacement}
   * spreads them over the members); give every node's part of a service the same store, one that
   * every node reads.
   */
  public DeliveryWorkerOptions setPlacement(WorkerPlacement placement) {
    this.placement = Objects.requireNonNull(placement, "placement");
    return this;
  }

  public RetryPolicy getRetryPolicy() {
    return retryPolicy;
  }

  /** The backoff slots, jitter, and what becomes of a delivery that ended ({@link RetryPolicy#http()} by default). */
  public DeliveryWorkerOptions setRetryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    return this;
  }

  public int getMaxConcurrency() {
    return maxConcurrency;
  }

  /** Attempts in flight at once per destination (per peer host). */
  public DeliveryWorkerOptions setMaxConcurrency(int maxConcurrency) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("at least one attempt must be allowed in flight");
    }
    this.maxConcurrency = maxConcurrency;
    return this;
  }

  /** The breaker set here, or null: then the transport's ({@code Transport.defaultBreaker}). */
  public BreakerPolicy getBreaker() {
    return breaker;
  }

  /**
   * When a worker stops sending to a failing destination, and what becomes of what falls due
   * meanwhile. Unset, each transport says: {@link BreakerPolicy#http()} for HTTP peers,
   * {@link BreakerPolicy#none()} for follow-ups to gen_servers (one failing follow-up must not
   * delay the others).
   */
  public DeliveryWorkerOptions setBreaker(BreakerPolicy breaker) {
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    return this;
  }

  public Duration getAttemptTimeout() {
    return attemptTimeout;
  }

  /**
   * The longest a worker waits for one attempt's outcome: past it the attempt counts as a
   * transient failure, its slot is free, and its outcome, if it ever comes, is ignored. A
   * transport that keeps a shorter bound of its own ({@code Transport.attemptBound}, as the HTTP
   * and gen_server transports do) is trusted with it, and no second timer is kept per attempt. Keep it above the transport's own bound (the HTTP request deadline, the
   * gen_server call timeout): below it, a slot is freed while its attempt is still out.
   */
  public DeliveryWorkerOptions setAttemptTimeout(Duration attemptTimeout) {
    this.attemptTimeout = requireNotNegative(attemptTimeout, "attemptTimeout");
    if (attemptTimeout.isZero()) {
      throw new IllegalArgumentException("attemptTimeout must be positive");
    }
    return this;
  }

  public DoubleSupplier getRandom() {
    return random;
  }

  /** The jitter's source of numbers in [0, 1): tests give a fixed one, so that schedules are exact. */
  public DeliveryWorkerOptions setRandom(DoubleSupplier random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /** The store, or null for the default (in memory, one per service). */
  public DeliveryStore getStore() {
    return store;
  }

  /** Where pending deliveries and dead letters are kept: in memory by default, or durable. */
  public DeliveryWorkerOptions setStore(DeliveryStore store) {
    this.store = Objects.requireNonNull(store, "store");
    return this;
  }

  public String getEventAddress() {
    return eventAddress;
  }

  /** The event-bus address where every dead letter and every dropped delivery is published as JSON. */
  public DeliveryWorkerOptions setEventAddress(String eventAddress) {
    this.eventAddress = Objects.requireNonNull(eventAddress, "eventAddress");
    return this;
  }

  private static Duration requireNotNegative(Duration duration, String what) {
    Objects.requireNonNull(duration, what);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + duration);
    }
    return duration;
  }
}
