package org.vertxotp.bench;

import java.util.Arrays;

/** Percentiles of measured values, all by one rule: the value at rank round(p · (n − 1)) of the sorted values. */
final class Percentile {

  private Percentile() {
  }

  /** The {@code p}-th quantile (0 to 1) of {@code values}, which are left as they were. */
  static double of(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[rank(sorted.length, p)];
  }

  /** The same for measured nanoseconds, in milliseconds. */
  static double millisOf(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[rank(sorted.length, p)] / 1e6;
  }

  private static int rank(int n, double p) {
    return (int) Math.min(n - 1, Math.round(p * (n - 1)));
  }
}
