package org.vertxotp.delivery.spi;

import io.vertx.core.json.JsonObject;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;

/**
 * Pending deliveries and dead letters as JSON, the form the toolkit's stores keep them in (never
 * Java serialization), for a {@link DeliveryStore} of your own. {@code decode(encode(x))} equals
 * {@code x}; a JSON object that is not such a record is refused with an
 * {@link IllegalArgumentException} naming what is wrong, never half read.
 */
public final class StoreCodec {

  private StoreCodec() {
  }

  /** A pending delivery, with its schedule. */
  public static JsonObject encode(StoredDelivery d) {
    return new JsonObject()
        .put("delivery", encode(d.delivery()))
        .put("sequence", d.sequence())
        .put("attempts", d.attempts())
        .put("due", d.dueMillis())
        .put("lastStatus", d.lastStatus())
        .put("lastReason", d.lastReason())
        .put("firstFailure", d.firstFailureMillis())
        .put("lastFailure", d.lastFailureMillis());
  }

  /** The pending delivery {@link #encode(StoredDelivery)} made. */
  public static StoredDelivery storedDelivery(JsonObject json) {
    try {
      return new StoredDelivery(delivery(json.getJsonObject("delivery")), required(json.getLong("sequence"), "sequence"),
          required(json.getInteger("attempts"), "attempts"), required(json.getLong("due"), "due"),
          required(json.getInteger("lastStatus"), "lastStatus"), json.getString("lastReason"),
          required(json.getLong("firstFailure"), "firstFailure"), required(json.getLong("lastFailure"), "lastFailure"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a stored delivery: " + e.getMessage(), e);
    }
  }

  /** A dead letter. */
  public static JsonObject encode(DeadLetter d) {
    return new JsonObject()
        .put("delivery", encode(d.delivery()))
        .put("attempts", d.attempts())
        .put("lastStatus", d.lastStatus())
        .put("reason", d.reason())
        .put("firstFailure", d.firstFailureMillis())
        .put("lastFailure", d.lastFailureMillis());
  }

  /** The dead letter {@link #encode(DeadLetter)} made. */
  public static DeadLetter deadLetter(JsonObject json) {
    try {
      return new DeadLetter(delivery(json.getJsonObject("delivery")), required(json.getInteger("attempts"), "attempts"),
          required(json.getInteger("lastStatus"), "lastStatus"), json.getString("reason"),
          required(json.getLong("firstFailure"), "firstFailure"), required(json.getLong("lastFailure"), "lastFailure"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a dead letter: " + e.getMessage(), e);
    }
  }

  private static JsonObject encode(Delivery d) {
    return new JsonObject().put("id", d.id()).put("target", d.target()).put("payload", d.payload());
  }

  private static Delivery delivery(JsonObject json) {
    JsonObject delivery = required(json, "delivery");
    return new Delivery(delivery.getString("id"), delivery.getString("target"), delivery.getJsonObject("payload"));
  }

  private static <T> T required(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("no " + field);
    }
    return value;
  }
}
