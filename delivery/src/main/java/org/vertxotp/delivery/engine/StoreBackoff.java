package org.vertxotp.delivery.engine;

/**
 * How long a worker waits before trying its store again after failures in a row: 1 s, 2 s, 5 s,
 * 10 s, then every 30 s. The same for a write the store failed and for a load it could not do.
 */
public final class StoreBackoff {

  private static final long[] MILLIS = {1_000, 2_000, 5_000, 10_000, 30_000};

  private StoreBackoff() {
  }

  /** The wait after the {@code failuresInARow}-th failure in a row (from 1); the last step repeats. */
  public static long millis(int failuresInARow) {
    return MILLIS[Math.max(0, Math.min(failuresInARow, MILLIS.length) - 1)];
  }
}
