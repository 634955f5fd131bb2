package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;

/**
 * A key-value store that speaks JSON, so that plain Vert.x programs can use it over the event bus
 * (see the README's wire format): call {@code {"op":"get","key":K}} replies {@code {"value":V}}
 * (null when absent); call {@code {"op":"put","key":K,"value":V}} replies the previous value; cast
 * {@code {"op":"put",...}} stores without a reply. Anything else is rejected (BAD_MESSAGE) and the
 * store goes on.
 */
public final class KeyValueStore implements GenServer<Void, Map<String, String>> {

  @Override
  public InitResult<Map<String, String>> init(Void args) {
    return ok(new HashMap<>());
  }

  @Override
  public CallResult<Map<String, String>> handleCall(Object request, From from, Map<String, String> store) {
    if (!(request instanceof JsonObject json) || json.getString("key") == null) {
      return reject("expected {\"op\": \"get\" | \"put\", \"key\": ...}", store);
    }
    String key = json.getString("key");
    switch (json.getString("op", "")) {
      case "get":
        return reply(new JsonObject().put("value", store.get(key)), store);
      case "put":
        String previous = store.put(key, json.getString("value"));
        return reply(new JsonObject().put("previous", previous), store);
      default:
        return reject("unknown op " + json.getString("op"), store);
    }
  }

  @Override
  public NoReplyResult<Map<String, String>> handleCast(Object message, Map<String, String> store) {
    if (message instanceof JsonObject json && "put".equals(json.getString("op")) && json.getString("key") != null) {
      store.put(json.getString("key"), json.getString("value"));
    }
    return noreply(store);
  }
}
