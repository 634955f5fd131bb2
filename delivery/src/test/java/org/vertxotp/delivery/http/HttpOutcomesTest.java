package org.vertxotp.delivery.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Outcome;

/** The classification of HTTP answers and of Retry-After, as tables. */
class HttpOutcomesTest {

  private static final long NOW = 1_700_000_000_000L;

  private static Outcome of(int status) {
    return HttpOutcomes.classify(status, "Reason", null, "http://127.0.0.1/elsewhere", NOW);
  }

  @Test
  void statusesClassifyAsTheTableSays() {
    for (int status : new int[] {200, 201, 202, 204}) {
      assertInstanceOf(Outcome.Delivered.class, of(status), "status " + status);
    }
    for (int status : new int[] {401, 408, 429, 500, 502, 503, 504, 599}) {
      assertInstanceOf(Outcome.Transient.class, of(status), "status " + status);
    }
    for (int status : new int[] {400, 403, 404, 405, 410, 418, 422, 451, 501, 301, 302, 307, 308, 100, 600}) {
      Outcome.Permanent permanent = assertInstanceOf(Outcome.Permanent.class, of(status), "status " + status);
      assertTrue(permanent.reason().contains(String.valueOf(status)), permanent.reason());
    }
    assertTrue(((Outcome.Permanent) of(302)).reason().contains("http://127.0.0.1/elsewhere"), "a redirect names its Location");
  }

  @Test
  void failingToGetAnAnswerIsTransientWhateverTheCause() {
    for (Throwable cause : new Throwable[] {new java.net.UnknownHostException("peer.example"),
        new java.net.ConnectException("Connection refused"), new java.io.IOException("Connection reset by peer"),
        new java.util.concurrent.TimeoutException(), new java.nio.channels.ClosedChannelException()}) {
      Outcome.Transient transientFailure = assertInstanceOf(Outcome.Transient.class, HttpOutcomes.noAnswer(cause), cause.toString());
      assertTrue(transientFailure.reason().startsWith("no answer"), transientFailure.reason());
    }
  }

  @Test
  void retryAfterIsHonouredOn429And503AsSecondsOrAnHttpDateAndGarbageIsIgnored() {
    String inTwoMinutes = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(NOW + 120_000).atOffset(ZoneOffset.UTC));
    assertEquals(OptionalLong.of(120_000), retryAfter(429, "120"));
    assertEquals(OptionalLong.of(120_000), retryAfter(503, inTwoMinutes));
    assertEquals(OptionalLong.of(0), retryAfter(503, DateTimeFormatter.RFC_1123_DATE_TIME.format(
        Instant.ofEpochMilli(NOW - 5_000).atOffset(ZoneOffset.UTC))), "a date in the past is now");
    assertEquals(OptionalLong.empty(), retryAfter(429, "soon"));
    assertEquals(OptionalLong.empty(), retryAfter(429, "-5"));
    assertEquals(OptionalLong.empty(), retryAfter(429, null));
    assertEquals(OptionalLong.empty(), retryAfter(500, "120"), "only 429 and 503 carry it");
  }

  private static OptionalLong retryAfter(int status, String header) {
    Outcome outcome = HttpOutcomes.classify(status, null, header, null, NOW);
    return ((Outcome.Transient) outcome).retryAfterMillis();
  }

  @Test
  void theEdgesOfEachRangeAndTheReasonsThatNameThem() {
    assertInstanceOf(Outcome.Permanent.class, of(199));
    assertEquals(new Outcome.Delivered(200), of(200));
    assertEquals(new Outcome.Delivered(299), of(299));
    assertEquals("HTTP 300 Reason: redirect to http://127.0.0.1/elsewhere not followed", ((Outcome.Permanent) of(300)).reason());
    assertEquals("HTTP 399 Reason: redirect to http://127.0.0.1/elsewhere not followed", ((Outcome.Permanent) of(399)).reason());
    assertEquals("HTTP 400 Reason", ((Outcome.Permanent) of(400)).reason());
    assertEquals("HTTP 500", ((Outcome.Transient) HttpOutcomes.classify(500, "", null, null, NOW)).reason());
    assertEquals("HTTP 500", ((Outcome.Transient) HttpOutcomes.classify(500, null, null, null, NOW)).reason());
    assertInstanceOf(Outcome.Transient.class, of(500));
    assertInstanceOf(Outcome.Transient.class, of(599));
    assertInstanceOf(Outcome.Permanent.class, of(600));
    assertEquals("no answer: TimeoutException", ((Outcome.Transient) HttpOutcomes.noAnswer(new java.util.concurrent.TimeoutException()))
        .reason(), "a cause without a message is named by its kind");
    assertEquals("no answer: Connection refused", ((Outcome.Transient) HttpOutcomes.noAnswer(
        new java.net.ConnectException("Connection refused"))).reason());
  }

  @Test
  void aRetryAfterTooLongForMillisecondsIsForeverAndADateIsReadLeniently() {
    assertEquals(OptionalLong.of(Long.MAX_VALUE), HttpOutcomes.retryAfterMillis("99999999999999999999", NOW));
    assertEquals(OptionalLong.of(Long.MAX_VALUE), HttpOutcomes.retryAfterMillis("9223372036854775807", NOW));
    assertEquals(OptionalLong.of(0), HttpOutcomes.retryAfterMillis(" 0 ", NOW));
    assertEquals(OptionalLong.empty(), HttpOutcomes.retryAfterMillis("", NOW));
    assertEquals(OptionalLong.of(1_700_000_060_000L - NOW), HttpOutcomes.retryAfterMillis("Tue, 14 Nov 2023 22:14:20 GMT", NOW));
    assertEquals(HttpDate.parse("Tue, 14 Nov 2023 22:14:20 GMT"), HttpDate.parse("Tue, 14 Nov 2023 22:14:20 GMT "));
    assertEquals("Wed, 01 Jan 2025 00:00:05 GMT", HttpDate.format(1_735_689_605_000L), "an IMF-fixdate: two-digit day");
    assertEquals(OptionalLong.empty(), HttpDate.parse("tomorrow"));
  }
}
