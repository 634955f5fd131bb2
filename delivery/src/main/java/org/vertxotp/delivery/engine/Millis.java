package org.vertxotp.delivery.engine;

/** Arithmetic on millisecond times that saturates instead of wrapping: a time far in the future stays far in the future. */
final class Millis {

  private Millis() {
  }

  /** {@code a + b}, saturating instead of overflowing. */
  static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
  }

  /** {@code a - b}, saturating instead of overflowing. */
  static long minus(long a, long b) {
    long difference = a - b;
    return ((a ^ b) & (a ^ difference)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : difference;
  }
}
