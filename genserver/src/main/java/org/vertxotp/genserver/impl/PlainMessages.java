package org.vertxotp.genserver.impl;

import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.WireFormat;

/** Reads messages from plain Vert.x programs, per {@link WireFormat}. */
final class PlainMessages {

  private PlainMessages() {
  }

  /**
   * Puts a plain message into {@code server}'s mailbox as the {@link WireFormat} says. A message
   * that is not one is answered with {@link CallFailure#BAD_MESSAGE} (when a reply is expected)
   * and leaves the server untouched; at a full mailbox a call fails with
   * {@link CallFailure#OVERLOADED} and a cast or info is dropped.
   */
  static void receive(ServerProcess server, Message<Object> message) {
    boolean expectsReply = message.replyAddress() != null;
    if (!(message.body() instanceof JsonObject body)) {
      String type = message.body() == null ? "null" : message.body().getClass().getName();
      badMessage(message, "expected a JsonObject body, got " + type);
      return;
    }
    String kind = message.headers().get(WireFormat.KIND_HEADER);
    if (kind == null) {
      kind = expectsReply ? WireFormat.KIND_CALL : WireFormat.KIND_CAST;
    }
    switch (kind) {
      case WireFormat.KIND_CALL:
        if (expectsReply) { // a call sent without request() has nobody to answer: dropped
          call(server, message, body);
        }
        return;
      case WireFormat.KIND_CAST:
        acknowledge(message);
        server.offer(new Envelope.Cast(body));
        return;
      case WireFormat.KIND_INFO:
        acknowledge(message);
        server.offer(new Envelope.Info(body));
        return;
      default:
        badMessage(message, "unknown " + WireFormat.KIND_HEADER + ": " + kind);
    }
  }

  private static void call(ServerProcess server, Message<Object> message, JsonObject body) {
    if (!server.admit()) {
      message.fail(CallFailure.OVERLOADED.code(), server.ref() + " has a full mailbox");
      return;
    }
    PlainCall call = new PlainCall(server, message);
    if (!call.place(new Envelope.Call(body, call), true)) {
      message.fail(CallFailure.NO_SERVER.code(), "no server: " + server.ref());
    }
  }

  /** A cast sent with request() gets an empty reply once queued, so its sender need not time out. */
  private static void acknowledge(Message<Object> message) {
    if (message.replyAddress() != null) {
      message.reply(null);
    }
  }

  private static void badMessage(Message<Object> message, String why) {
    if (message.replyAddress() != null) {
      message.fail(CallFailure.BAD_MESSAGE.code(), "bad message: " + why);
    }
  }
}
