package org.vertxotp.cluster.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * What other nodes send this one, at its address: handed to its servers as if sent here, or to
 * the monitors. Anything that is not a message of the node protocol ({@link NodeWire}) is
 * answered with {@link CallFailure#BAD_MESSAGE} (or dropped, without a reply address) and harms
 * nothing.
 */
final class NodeInbox {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");

  private final NodeWire wire;
  private final ServedMonitors served;
  private final OutgoingMonitors watching;

  NodeInbox(NodeWire wire, ServedMonitors served, OutgoingMonitors watching) {
    this.wire = wire;
    this.served = served;
    this.watching = watching;
  }

  /** Listens at this node's address (call it on the context to listen on); completes once that is known cluster-wide. */
  Future<Void> listen() {
    Promise<Void> registered = Promise.promise();
    MessageConsumer<Object> consumer = wire.vertx().eventBus().consumer(NodeWire.address(wire.self()), this::receive);
    consumer.completion().onComplete(registered);
    return registered.future();
  }

  private void receive(Message<Object> request) {
    Object raw;
    try {
      raw = request.body(); // decoded here, lazily: a frame that is not one throws
    } catch (RuntimeException e) {
      refuse(request, "undecodable body: " + e.getMessage());
      return;
    }
    if (!(raw instanceof JsonObject body)) {
      refuse(request, "expected a JsonObject, got " + (raw == null ? "null" : raw.getClass().getName()));
      return;
    }
    try {
      dispatch(request, body);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
      refuse(request, String.valueOf(e.getMessage()));
    }
  }

  private void dispatch(Message<Object> request, JsonObject body) {
    String kind = body.getString("kind");
    switch (String.valueOf(kind)) {
      case "call", "stop", "kill" -> request(kind, request, body);
      case "cast", "info" -> {
        ServerRef target = wire.localTarget(wire.types().decode(body.getValue("to")));
        Object message = wire.types().decode(body.getValue("m"));
        if (target != null) {
          if ("cast".equals(kind)) {
            GenServer.cast(wire.vertx(), target, message);
          } else {
            GenServer.send(wire.vertx(), target, message);
          }
        }
      }
      case "monitor" -> served.monitor(request, body);
      case "demonitor" -> served.demonitor(body);
      case "down" -> watching.down(body);
      default -> refuse(request, "unknown kind " + kind);
    }
  }

  private void request(String kind, Message<Object> request, JsonObject body) {
    Object to = wire.types().decode(body.getValue("to"));
    Object message = wire.types().decode(body.getValue("m"));
    ServerRef target = wire.localTarget(to);
    Object given = body.getValue("timeout");
    Duration timeout = given == null ? GenServer.INFINITY
        : given instanceof Number n && n.longValue() > 0 ? Duration.ofMillis(n.longValue()) : null;
    if (timeout == null || request.replyAddress() == null) {
      refuse(request, "a call needs a reply address, and a timeout, if any, that is a positive number");
      return;
    }
    if (target == null) {
      request.reply(wire.failure(CallFailure.NO_SERVER, null, "no server: " + to));
      return;
    }
    switch (kind) {
      case "call" -> // answered from the server's own context: no hop back here
          RemoteNodes.deliverCall(wire.vertx(), target, message, timeout, new RemoteNodes.CallSink() {
            @Override
            public void reply(Object value) {
              answer(request, target, value);
            }

            @Override
            public void fail(CallException e) {
              answerFailure(request, e);
            }
          });
      case "kill" -> settle(request, target, GenServer.kill(wire.vertx(), target));
      default -> {
        if (!(message instanceof JsonObject reason)) {
          refuse(request, "a stop carries its reason");
          return;
        }
        settle(request, target, GenServer.stop(wire.vertx(), target, Reasons.decode(reason, wire.types()), timeout));
      }
    }
  }

  private void settle(Message<Object> request, ServerRef target, Future<Void> done) {
    done.onComplete(ar -> {
      if (ar.succeeded()) {
        answer(request, target, null);
      } else {
        answerFailure(request, ar.cause());
      }
    });
  }

  private void answer(Message<Object> request, ServerRef target, Object value) {
    Object encoded;
    try {
      encoded = wire.types().encode(value);
    } catch (IllegalArgumentException e) {
      // The server lives on: the caller learns that the answer could not travel.
      request.reply(wire.failure(CallFailure.SERVER_EXITED, null, "the reply of " + target + " cannot cross nodes: "
          + e.getMessage()));
      return;
    }
    request.reply(new JsonObject().put("ok", encoded));
  }

  private void answerFailure(Message<Object> request, Throwable cause) {
    if (cause instanceof CallException e) {
      request.reply(wire.failure(e.failure(), e.reason().orElse(null), e.getMessage()));
    } else {
      request.reply(wire.failure(CallFailure.SERVER_EXITED, ExitReason.crash(cause), String.valueOf(cause)));
    }
  }

  private static void refuse(Message<Object> request, String why) {
    if (request.replyAddress() != null) {
      request.fail(CallFailure.BAD_MESSAGE.code(), "bad message: " + why);
    } else {
      LOG.log(System.Logger.Level.DEBUG, () -> "dropped a bad message: " + why);
    }
  }
}
