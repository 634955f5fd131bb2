package org.vertxotp.delivery.impl;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.BiFunction;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryWireFormat;
import org.vertxotp.delivery.NotStoredException;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;

/** Enqueues that plain Vert.x programs send in the JSON wire format ({@link DeliveryWireFormat}). */
public final class PlainEnqueues {

  private PlainEnqueues() {
  }

  /** A request read: the delivery and how long after it is stored it is due. */
  record Request(Delivery delivery, Duration delay) {}

  /**
   * Reads {@code body} as an enqueue.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  static Request read(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("an enqueue is a JSON object, not " + (body == null ? "nothing" : body.getClass().getSimpleName()));
    }
    String id = text(json, "id");
    String target = text(json, "target");
    Object payload = json.getValue("payload");
    if (!(payload instanceof JsonObject object)) {
      throw new IllegalArgumentException("\"payload\" must be a JSON object");
    }
    Object delay = json.getValue("delayMillis", 0L);
    if (!(delay instanceof Number millis) || millis.longValue() < 0 || millis.doubleValue() != millis.longValue()) {
      throw new IllegalArgumentException("\"delayMillis\" must be a whole number of milliseconds, 0 or more");
    }
    return new Request(new Delivery(id, target, object), Duration.ofMillis(millis.longValue()));
  }

  private static String text(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a non-empty string");
    }
    return text;
  }

  /** The failure code a plain program is told for an enqueue that failed with {@code failure} ({@link DeliveryWireFormat}). */
  static int codeOf(Throwable failure) {
    if (failure instanceof NotStoredException) {
      return DeliveryWireFormat.NOT_STORED;
    }
    if (failure instanceof CallException call) {
      return call.failure().code();
    }
    if (failure instanceof IllegalArgumentException) { // a target the transport cannot reach
      return DeliveryWireFormat.BAD_REQUEST;
    }
    return CallFailure.SERVER_EXITED.code();
  }

  /** Answers {@code message} once {@code enqueue} did what it asks, as {@link DeliveryWireFormat} says. */
  public static void handle(Message<Object> message, BiFunction<Delivery, Duration, Future<Boolean>> enqueue) {
    Request request;
    try {
      request = read(message.body());
    } catch (IllegalArgumentException bad) {
      message.fail(DeliveryWireFormat.BAD_REQUEST, bad.getMessage());
      return;
    }
    Future<Boolean> accepted;
    try {
      accepted = enqueue.apply(request.delivery(), request.delay());
    } catch (RuntimeException e) {
      accepted = Future.failedFuture(e);
    }
    accepted.onComplete(done -> {
      if (done.succeeded()) {
        message.reply(new JsonObject().put("accepted", done.result()));
      } else {
        message.fail(codeOf(done.cause()), String.valueOf(done.cause().getMessage()));
      }
    });
  }
}
