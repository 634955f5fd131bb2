package org.vertxotp.delivery.impl;

import io.vertx.core.json.JsonObject;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.spi.StoredDelivery;

/** Pending deliveries and dead letters as JSON, the form a store keeps them in (never Java serialization). */
public final class StoreCodec {

  private StoreCodec() {
  }

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

  public static StoredDelivery storedDelivery(JsonObject json) {
    return new StoredDelivery(delivery(json.getJsonObject("delivery")), json.getLong("sequence"),
        json.getInteger("attempts"), json.getLong("due"), json.getInteger("lastStatus"), json.getString("lastReason"),
        json.getLong("firstFailure"), json.getLong("lastFailure"));
  }

  public static JsonObject encode(DeadLetter d) {
    return new JsonObject()
        .put("delivery", encode(d.delivery()))
        .put("attempts", d.attempts())
        .put("lastStatus", d.lastStatus())
        .put("reason", d.reason())
        .put("firstFailure", d.firstFailureMillis())
        .put("lastFailure", d.lastFailureMillis());
  }

  public static DeadLetter deadLetter(JsonObject json) {
    return new DeadLetter(delivery(json.getJsonObject("delivery")), json.getInteger("attempts"),
        json.getInteger("lastStatus"), json.getString("reason"), json.getLong("firstFailure"), json.getLong("lastFailure"));
  }

  private static JsonObject encode(Delivery d) {
    return new JsonObject().put("id", d.id()).put("target", d.target()).put("payload", d.payload());
  }

  private static Delivery delivery(JsonObject json) {
    return new Delivery(json.getString("id"), json.getString("target"), json.getJsonObject("payload"));
  }
}
