package org.vertxotp.delivery;

import java.util.Optional;

/**
 * Where one pending delivery stands.
 *
 * @param id          its id
 * @param target      where it goes
 * @param attempts    attempts made so far (failed ones; a delivered one is no longer pending)
 * @param inFlight    true while an attempt is under way
 * @param dueMillis   when its next attempt is due (wall-clock milliseconds of the toolkit clock)
 * @param lastFailure why its last attempt failed, if one did
 */
public record DeliveryStatus(String id, String target, int attempts, boolean inFlight, long dueMillis,
                             Optional<String> lastFailure) {
}
