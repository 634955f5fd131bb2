package org.vertxotp.delivery.spi;

import org.vertxotp.delivery.Delivery;

/**
 * A pending delivery as a store keeps it: enough to resume its schedule after a restart, attempts
 * and due time intact. Times are wall-clock milliseconds of the toolkit's clock.
 *
 * @param delivery           the delivery
 * @param sequence           its place in enqueue order (ties between equal due times go by it)
 * @param attempts           failed attempts so far
 * @param dueMillis          when its next attempt is due
 * @param lastStatus         the HTTP status of its last failure, 0 if none
 * @param lastReason         why its last attempt failed, or null
 * @param firstFailureMillis when its first attempt failed, 0 if none did
 * @param lastFailureMillis  when its last attempt failed, 0 if none did
 */
public record StoredDelivery(Delivery delivery, long sequence, int attempts, long dueMillis, int lastStatus,
                             String lastReason, long firstFailureMillis, long lastFailureMillis) {
}
