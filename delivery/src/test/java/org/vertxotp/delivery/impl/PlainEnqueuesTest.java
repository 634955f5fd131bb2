package org.vertxotp.delivery.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Delivery;

/** What a plain program's enqueue must look like, and what it is told when it does not. */
class PlainEnqueuesTest {

  private static JsonObject valid() {
    return new JsonObject().put("id", "a1").put("target", "https://peer.example/inbox").put("payload", new JsonObject().put("n", 1));
  }

  private static String refusal(Object body) {
    return assertThrows(IllegalArgumentException.class, () -> PlainEnqueues.read(body)).getMessage();
  }

  @Test
  void aDeliveryWithoutDelayIsDueNow() {
    PlainEnqueues.Request request = PlainEnqueues.read(valid());
    assertEquals(new Delivery("a1", "https://peer.example/inbox", new JsonObject().put("n", 1)), request.delivery());
    assertEquals(Duration.ZERO, request.delay());
  }

  @Test
  void aDelayIsReadInMilliseconds() {
    assertEquals(Duration.ofMillis(1_500), PlainEnqueues.read(valid().put("delayMillis", 1_500)).delay());
    assertEquals(Duration.ZERO, PlainEnqueues.read(valid().put("delayMillis", 0)).delay());
    assertEquals(Duration.ofMillis(2), PlainEnqueues.read(valid().put("delayMillis", 2.0)).delay());
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefusedSayingSo() {
    assertEquals("an enqueue is a JSON object, not String", refusal("hello"));
    assertEquals("an enqueue is a JSON object, not nothing", refusal(null));
    assertEquals("an enqueue is a JSON object, not JsonArray", refusal(new JsonArray()));
  }

  @Test
  void eachMissingOrWrongFieldIsNamed() {
    assertEquals("\"id\" must be a non-empty string", refusal(valid().put("id", "")));
    assertEquals("\"id\" must be a non-empty string", refusal(valid().put("id", 7)));
    assertEquals("\"target\" must be a non-empty string", refusal(valid().putNull("target")));
    assertEquals("\"target\" must be a non-empty string", refusal(valid().put("target", "")));
    assertEquals("\"payload\" must be a JSON object", refusal(valid().put("payload", "text")));
    assertEquals("\"payload\" must be a JSON object", refusal(valid().putNull("payload")));
  }

  @Test
  void aDelayThatIsNegativeFractionalOrNotANumberIsRefused() {
    String expected = "\"delayMillis\" must be a whole number of milliseconds, 0 or more";
    assertEquals(expected, refusal(valid().put("delayMillis", -1)));
    assertEquals(expected, refusal(valid().put("delayMillis", 1.5)));
    assertEquals(expected, refusal(valid().put("delayMillis", "10")));
    assertEquals(expected, refusal(valid().putNull("delayMillis")));
  }

  @Test
  void eachFailureOfAnEnqueueHasItsCode() {
    assertEquals(507, PlainEnqueues.codeOf(new org.vertxotp.delivery.NotStoredException("disk full")));
    assertEquals(404, PlainEnqueues.codeOf(new org.vertxotp.genserver.CallException(org.vertxotp.genserver.CallFailure.NO_SERVER, "none")));
    assertEquals(504, PlainEnqueues.codeOf(new org.vertxotp.genserver.CallException(org.vertxotp.genserver.CallFailure.TIMEOUT, "late")));
    assertEquals(400, PlainEnqueues.codeOf(new IllegalArgumentException("not a URL")));
    assertEquals(500, PlainEnqueues.codeOf(new IllegalStateException("else")));
  }
}
