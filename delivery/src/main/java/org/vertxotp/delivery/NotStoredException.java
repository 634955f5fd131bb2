package org.vertxotp.delivery;

/**
 * A worker's store did not keep a change, so the worker did not make it: an enqueue that fails
 * with this was not accepted (enqueue it again; its id keeps a second attempt from being a second
 * delivery). The message says why the store failed.
 */
public final class NotStoredException extends RuntimeException {

  public NotStoredException(String message) {
    super(message, null, false, false);
  }
}
