package org.vertxotp.delivery.spi;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Optional;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;

/**
 * How a delivery reaches its target, one attempt at a time. A worker runs many attempts at once
 * (it never waits for one), so {@link #send} must not block.
 */
public interface Transport {

  /**
   * Which worker a target belongs to: one worker (one schedule, one concurrency cap, one circuit
   * breaker) per peer host for HTTP, per server name for gen_server calls.
   */
  String destinationOf(String target);

  /**
   * Makes attempt number {@code attempt} (from 1) and completes with its classified outcome. The
   * future should never fail (whatever goes wrong is an {@link Outcome}) and should complete in
   * bounded time; a worker still copes with one that throws (a permanent failure), fails (a
   * transient one) or never completes (transient, after the worker's attempt timeout).
   */
  Future<Outcome> send(Delivery delivery, int attempt);

  /**
   * The bound of the transport's own (a request deadline, a call timeout) within which every
   * future {@link #send} returns completes, if it keeps one. When it is shorter than a worker's
   * attempt timeout, the worker keeps no watchdog of its own per attempt.
   */
  default Optional<Duration> attemptBound() {
    return Optional.empty();
  }

  /**
   * The breaker a worker uses when its options set none: {@link BreakerPolicy#http()} unless the
   * transport says otherwise (a transport whose deliveries have deadlines of their own, such as
   * follow-ups, says {@link BreakerPolicy#none()}).
   */
  default BreakerPolicy defaultBreaker() {
    return BreakerPolicy.http();
  }

  /** Releases what the transport holds (connections); the service that owns it calls this when it stops. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
