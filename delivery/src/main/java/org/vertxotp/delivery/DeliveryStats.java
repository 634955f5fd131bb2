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
 * @param held         true while the peer's {@code Retry-After} (or a {@code 429}) holds the whole destination
 * @param unstored     deliveries and dead letters whose latest change the store has not kept yet (being written,
 *                     or to be written again after the store failed); none of them is sent or announced before
 * @param loaded       false while the worker cannot load what its store kept (it tries again, and answers every
 *                     call with {@link NotStoredException} meanwhile): then the other counts are all zero
 */
public record DeliveryStats(String destination, int pending, int inFlight, int deadLetters, long delivered, long retried,
                            long deadLettered, long dropped, boolean breakerOpen, boolean held, int unstored,
                            boolean loaded) {
}
