package org.vertxotp.delivery;

/**
 * What one worker holds and did since it started.
 *
 * @param destination  the destination it delivers to (a peer host, or a server name)
 * @param pending      deliveries waiting or in flight
 * @param inFlight     attempts under way
 * @param deadLetters  dead letters held
 * @param delivered    deliveries delivered
 * @param retried      failed attempts that were scheduled again
 * @param deadLettered deliveries that ended as dead letters
 * @param dropped      deliveries that ended dropped
 * @param breakerOpen  true while its circuit breaker holds deliveries back
 */
public record DeliveryStats(String destination, int pending, int inFlight, int deadLetters, long delivered, long retried,
                            long deadLettered, long dropped, boolean breakerOpen) {
}
