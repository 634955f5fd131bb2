package org.vertxotp.delivery.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * HTTP dates (RFC 9110 §5.6.7). What the transport writes is always an IMF-fixdate,
 * {@code Mon, 07 Dec 2026 14:55:48 GMT}, with a two-digit day: strict parsers (Ruby's
 * {@code Time.httpdate}, which Mastodon checks a signed {@code Date} with) refuse the one-digit
 * day that {@link DateTimeFormatter#RFC_1123_DATE_TIME} writes on the 1st to the 9th of a month.
 * What it reads ({@code Retry-After}) it reads leniently, as RFC 9110 asks of recipients.
 */
public final class HttpDate {

  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private HttpDate() {
  }

  /** {@code epochMillis} as an IMF-fixdate, in GMT, to the second. */
  public static String format(long epochMillis) {
    return IMF_FIXDATE.format(Instant.ofEpochMilli(epochMillis));
  }

  /** The epoch milliseconds an HTTP date names (RFC 1123 form, one- or two-digit day), or empty for anything else. */
  public static OptionalLong parse(String value) {
    try {
      return OptionalLong.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli());
    } catch (DateTimeParseException garbage) {
      return OptionalLong.empty();
    }
  }
}
