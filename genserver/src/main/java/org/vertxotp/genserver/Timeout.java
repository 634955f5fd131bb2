package org.vertxotp.genserver;

/**
 * The info message a server receives when a timeout in its last result expired with no other
 * message arriving first (OTP's {@code timeout} atom). Compare with {@code instanceof Timeout}.
 */
public record Timeout() {
  public static final Timeout INSTANCE = new Timeout();

  @Override
  public String toString() {
    return "timeout";
  }
}
