package org.vertxotp.genserver;

/**
 * A right to run that can lapse, such as a cluster node's lease on its share of the work: a server
 * started with {@link StartOptions#setLease} handles messages only while its lease is valid.
 *
 * <p>Implementations are thread-safe: {@link #isValid} is read on the server's event loop before
 * each callback, so it is cheap and never blocks, and it turns false by itself when the time the
 * lease was granted for has passed (a node that was paused finds it false the moment it runs
 * again, before anything it had queued is handled).
 */
public interface Lease {

  /** The detail of the reason a server stops with when its lease lapses: {@code {shutdown, lease_lapsed}}. */
  String LAPSED = "lease_lapsed";

  /** True while the holder may act. Should not throw; a lease that throws counts as lapsed. */
  boolean isValid();

  /**
   * Calls {@code changed} (on any thread, possibly more often than the validity really changed)
   * whenever {@link #isValid} may have changed, until the subscription is cancelled.
   */
  Subscription onChange(Runnable changed);

  /** Stops the calls of one {@link #onChange}. */
  interface Subscription {
    /** No more calls after this returns (one already running may finish). Idempotent. */
    void cancel();
  }
}
