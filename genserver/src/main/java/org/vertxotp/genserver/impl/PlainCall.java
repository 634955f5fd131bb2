package org.vertxotp.genserver.impl;

import io.vertx.core.eventbus.Message;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.WireFormat;

/** A call from a plain Vert.x program (see {@code WireFormat}): answered through the event bus. */
final class PlainCall extends OutstandingCall {

  private final Message<Object> request;

  PlainCall(ServerProcess target, Message<Object> request) {
    super(target);
    this.request = request;
  }

  @Override
  void onReply(Object value) {
    try {
      request.reply(value);
    } catch (IllegalArgumentException noCodec) {
      // The server must live on: the caller learns that its answer could not travel.
      request.fail(CallFailure.SERVER_EXITED.code(),
          "reply of " + value.getClass().getName() + " cannot be sent to a plain event-bus caller");
    }
  }

  @Override
  void onFailure(Throwable failure) {
    int code = failure instanceof CallException call ? call.failure().code() : CallFailure.SERVER_EXITED.code();
    request.fail(code, failure.getMessage());
  }
}
