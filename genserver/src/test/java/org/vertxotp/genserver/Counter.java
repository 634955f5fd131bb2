package org.vertxotp.genserver;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.json.JsonObject;

/**
 * A counter that speaks JSON, as a plain Vert.x program would talk to it: call
 * {@code {"op":"add","n":2}} replies {@code {"value":...}}; {@code {"op":"get"}} likewise; a cast
 * {@code {"op":"add"}} adds without replying.
 */
final class Counter implements GenServer<Integer, Integer> {

  @Override
  public InitResult<Integer> init(Integer start) {
    return ok(start);
  }

  @Override
  public CallResult<Integer> handleCall(Object request, From from, Integer value) {
    if (!(request instanceof JsonObject json)) {
      return reject("expected a JsonObject", value);
    }
    switch (json.getString("op", "")) {
      case "add":
        int next = value + json.getInteger("n", 1);
        return reply(new JsonObject().put("value", next), next);
      case "get":
        return reply(new JsonObject().put("value", value), value);
      default:
        return reject("unknown op " + json.getString("op"), value);
    }
  }

  @Override
  public NoReplyResult<Integer> handleCast(Object message, Integer value) {
    if (message instanceof JsonObject json && "add".equals(json.getString("op"))) {
      return noreply(value + json.getInteger("n", 1));
    }
    return noreply(value);
  }
}
