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
   * The envelope for a plain message, or {@code null} when it is not one: then a requester was
   * already answered with {@link CallFailure#BAD_MESSAGE} and the server is untouched.
   */
  static Envelope read(ServerProcess server, Message<Object> message) {
    boolean expectsReply = message.replyAddress() != null;
    if (!(message.body() instanceof JsonObject body)) {
      String type = message.body() == null ? "null" : message.body().getClass().getName();
      return badMessage(message, "expected a JsonObject body, got " + type);
    }
    String kind = message.headers().get(WireFormat.KIND_HEADER);
    if (kind == null) {
      kind = expectsReply ? WireFormat.KIND_CALL : WireFormat.KIND_CAST;
    }
    switch (kind) {
      case WireFormat.KIND_CALL:
        if (!expectsReply) {
          return null; // nobody to answer: a call sent without request() is dropped
        }
        PlainCall call = new PlainCall(server, message);
        if (!server.monitor(call)) {
          message.fail(CallFailure.NO_SERVER.code(), "no server: " + server.ref());
          return null;
        }
        return new Envelope.Call(body, call);
      case WireFormat.KIND_CAST:
        acknowledge(message);
        return new Envelope.Cast(body);
      case WireFormat.KIND_INFO:
        acknowledge(message);
        return new Envelope.Info(body);
      default:
        return badMessage(message, "unknown " + WireFormat.KIND_HEADER + ": " + kind);
    }
  }

  /** A cast sent with request() gets an empty reply once queued, so its sender need not time out. */
  private static void acknowledge(Message<Object> message) {
    if (message.replyAddress() != null) {
      message.reply(null);
    }
  }

  private static Envelope badMessage(Message<Object> message, String why) {
    if (message.replyAddress() != null) {
      message.fail(CallFailure.BAD_MESSAGE.code(), "bad message: " + why);
    }
    return null;
  }
}
