package org.vertxotp.cluster;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reject;
import static org.vertxotp.genserver.Results.reply;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;

/**
 * A key-value store whose messages are records, to cross nodes: {@link Put} by call or cast,
 * {@link Get} by call, anything by info lands in {@code infos}; a plain JSON call
 * {@code {"op":"get","key":k}} replies {@code {"value":v}}. {@link Crash} crashes it; {@link Hold}
 * is never answered; {@link Odd} is answered with a value no node can carry.
 */
final class Store implements GenServer<BlockingQueue<Object>, Store.State> {

  record Put(String key, Object value) {}

  record Get(String key) {}

  record Value(String key, Object value, List<String> keys) {}

  record Crash(String why) {}

  record Hold() {}

  /** Replies how many {@link Hold} calls it holds. */
  record Held() {}

  /** Stops with a reason whose term no node can carry. */
  record StopOddly() {}

  /** A term of a type that is not carried. */
  record OddReason(String why) {}

  record Odd() {}

  /** Not registered on any node. */
  record Unregistered(String what) {}

  record State(Map<String, Object> values, BlockingQueue<Object> infos, List<From> held) {}

  static void register(MessageTypes types) {
    types.register(Put.class).register(Get.class).register(Value.class).register(Crash.class).register(Hold.class)
        .register(Odd.class).register(Held.class).register(StopOddly.class);
  }

  @Override
  public InitResult<State> init(BlockingQueue<Object> infos) {
    return ok(new State(new HashMap<>(), infos, new java.util.ArrayList<>()));
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State state) {
    if (request instanceof Put put) {
      state.values().put(put.key(), put.value());
      return reply("ok", state);
    }
    if (request instanceof Get get) {
      return reply(new Value(get.key(), state.values().get(get.key()), List.copyOf(state.values().keySet())), state);
    }
    if (request instanceof Crash crash) {
      throw new IllegalStateException(crash.why());
    }
    if (request instanceof Hold) {
      state.held().add(from);
      return noreply(state);
    }
    if (request instanceof Held) {
      return reply(state.held().size(), state);
    }
    if (request instanceof StopOddly) {
      return org.vertxotp.genserver.Results.stop(org.vertxotp.genserver.ExitReason.of(new OddReason("odd")), state);
    }
    if (request instanceof Odd) {
      return reply(new Object(), state);
    }
    if (request instanceof JsonObject json && "get".equals(json.getString("op"))) {
      return reply(new JsonObject().put("value", state.values().get(json.getString("key"))), state);
    }
    return reject("unknown request " + request, state);
  }

  @Override
  public NoReplyResult<State> handleCast(Object message, State state) {
    if (message instanceof Put put) {
      state.values().put(put.key(), put.value());
    }
    return noreply(state);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State state) {
    state.infos().add(message);
    return noreply(state);
  }
}
