package org.vertxotp.delivery.engine;

/** What a worker's engine decided since it started: for {@code Sys}, the stats and the meters. */
public final class Counters {
  long delivered;
  long retried;
  long deadLettered;
  long dropped;

  /** Deliveries delivered. */
  public long delivered() {
    return delivered;
  }

  /** Failed attempts that were scheduled again. */
  public long retried() {
    return retried;
  }

  /** Deliveries that ended as dead letters. */
  public long deadLettered() {
    return deadLettered;
  }

  /** Deliveries that ended dropped. */
  public long dropped() {
    return dropped;
  }
}
