package org.vertxotp.delivery.http;

import java.util.OptionalLong;
import org.vertxotp.delivery.Outcome;

/**
 * How an HTTP answer (or its absence) classifies, as a pure function with a table test.
 *
 * <ul>
 *   <li>2xx: delivered.</li>
 *   <li>408, 429, 401, and every 5xx but 501: transient; {@code Retry-After} (seconds or an
 *       HTTP-date) on 429 and 503 is honoured, garbage ignored.</li>
 *   <li>3xx: permanent, with the {@code Location} in the reason (redirects are not followed).</li>
 *   <li>Every other status (400, 403, 404, 410, 422, 501, any other 4xx, anything unknown):
 *       permanent, with the status in the reason.</li>
 *   <li>No answer (no connection, reset, DNS failure, a timeout): transient.</li>
 * </ul>
 */
public final class HttpOutcomes {

  private HttpOutcomes() {
  }

  /** The outcome of an answer with {@code status}; {@code retryAfter} and {@code location} are its headers, or null. */
  public static Outcome classify(int status, String reasonPhrase, String retryAfter, String location, long nowMillis) {
    String reason = "HTTP " + status + (reasonPhrase == null || reasonPhrase.isEmpty() ? "" : " " + reasonPhrase);
    if (status >= 200 && status < 300) {
      return new Outcome.Delivered(status);
    }
    if (status >= 300 && status < 400) {
      return new Outcome.Permanent(status, reason + ": redirect to " + location + " not followed");
    }
    if (status == 429 || status == 503) {
      return new Outcome.Transient(status, reason, retryAfterMillis(retryAfter, nowMillis));
    }
    if (status == 408 || status == 401 || (status >= 500 && status < 600 && status != 501)) {
      return new Outcome.Transient(status, reason);
    }
    return new Outcome.Permanent(status, reason);
  }

  /** No answer at all: the connection failed, was reset, or a deadline passed. */
  public static Outcome noAnswer(Throwable cause) {
    String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new Outcome.Transient(0, "no answer: " + what);
  }

  /**
   * A {@code Retry-After} value as milliseconds from {@code nowMillis}: delta-seconds or an
   * HTTP-date (RFC 1123); empty for anything else (the backoff slot then applies).
   */
  public static OptionalLong retryAfterMillis(String value, long nowMillis) {
    if (value == null) {
      return OptionalLong.empty();
    }
    String trimmed = value.trim();
    if (!trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)) {
      try {
        return OptionalLong.of(Math.multiplyExact(Long.parseLong(trimmed), 1000L));
      } catch (ArithmeticException | NumberFormatException tooLong) {
        return OptionalLong.of(Long.MAX_VALUE);
      }
    }
    OptionalLong at = HttpDate.parse(trimmed);
    return at.isPresent() ? OptionalLong.of(Math.max(0, at.getAsLong() - nowMillis)) : OptionalLong.empty();
  }
}
