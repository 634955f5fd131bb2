package org.vertxotp.delivery;

/**
 * A delivery that will not be attempted again unless it is redriven: what it was, how often it
 * was tried, and why it ended. Times are the toolkit clock's wall-clock milliseconds.
 *
 * @param delivery          the delivery itself, kept for a redrive
 * @param attempts          attempts made
 * @param lastStatus        the HTTP status of the last answer, 0 if there was none
 * @param reason            why the last attempt failed, concretely
 * @param firstFailureMillis when the first attempt failed
 * @param lastFailureMillis  when the last attempt failed
 */
public record DeadLetter(Delivery delivery, int attempts, int lastStatus, String reason, long firstFailureMillis,
                         long lastFailureMillis) {

  public String id() {
    return delivery.id();
  }
}
