package org.vertxotp.cluster.impl;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;

/**
 * The node protocol: one cluster-visible consumer per node, at {@value #NODE_ADDRESS_PREFIX}{@code <node id>},
 * carries every call, cast, info, stop, kill and monitor between toolkits; servers' own addresses
 * stay local. A request is a {@link JsonObject} whose {@code kind} says what it is:
 * <ul>
 *   <li>{@code call}, {@code stop}, {@code kill}, {@code cast}, {@code info}: {@code to} (a
 *       {@link ServerRef} or {@link ServerName} in {@link MessageTypes} form), {@code m} (the
 *       message, or for a stop the reason, in that form) and, for a call or stop, {@code timeout}
 *       in milliseconds. A call, stop or kill is answered with {@code {"ok": reply}} or
 *       {@code {"failure": <code>, "message": ..., "reason": ...}}, the code a
 *       {@link CallFailure#code()}, as the plain-JSON wire format's failure codes are.</li>
 *   <li>{@code monitor} ({@code to}, {@code watch}, {@code from}), answered with an empty reply
 *       once the monitor is set up; {@code demonitor} ({@code watch}, {@code from}); and
 *       {@code down} ({@code watch}, {@code from}, {@code reason}), sent to the watcher's node.</li>
 * </ul>
 * Anything else sent there is answered with a failure of code 400 (bad message) and harms nothing.
 */
final class NodeWire {

  /** Prefix of a node's cluster-visible address. */
  static final String NODE_ADDRESS_PREFIX = "genserver.node.";

  private final Vertx vertx;
  private final MessageTypes types;
  private final String self;

  NodeWire(Vertx vertx, MessageTypes types, String self) {
    this.vertx = vertx;
    this.types = types;
    this.self = self;
  }

  static String address(String node) {
    return NODE_ADDRESS_PREFIX + node;
  }

  Vertx vertx() {
    return vertx;
  }

  MessageTypes types() {
    return types;
  }

  /** This node's id. */
  String self() {
    return self;
  }

  JsonObject envelope(String kind, ServerRef to, Object message) {
    return new JsonObject().put("kind", kind).put("to", types.encode(to)).put("m", message);
  }

  JsonObject monitor(ServerRef server, String watch) {
    return new JsonObject().put("kind", "monitor").put("to", types.encode(server)).put("watch", watch).put("from", self);
  }

  JsonObject demonitor(String watch) {
    return new JsonObject().put("kind", "demonitor").put("watch", watch).put("from", self);
  }

  JsonObject down(String watch, ExitReason reason) {
    return new JsonObject().put("kind", "down").put("watch", watch).put("from", self)
        .put("reason", Reasons.encode(reason, types));
  }

  JsonObject failure(CallFailure failure, ExitReason reason, String message) {
    JsonObject json = new JsonObject().put("failure", failure.code()).put("message", message);
    return reason == null ? json : json.put("reason", Reasons.encode(reason, types));
  }

  /** The failure an answer carries: its code (400, bad message, if unknown), text and reason. */
  CallException failureOf(JsonObject answer) {
    Object given = answer.getValue("failure");
    CallFailure failure = given instanceof Number code ? CallFailure.fromCode(code.intValue()) : named(given);
    Object reason = answer.getValue("reason");
    return new CallException(failure == null ? CallFailure.BAD_MESSAGE : failure,
        reason instanceof JsonObject json ? Reasons.decode(json, types) : null, String.valueOf(answer.getValue("message")));
  }

  /** A failure by its name, as nodes before the numeric codes answered; null if none is so named. */
  private static CallFailure named(Object name) {
    try {
      return name instanceof String text ? CallFailure.valueOf(text) : null;
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  /** The server of this node that {@code to} names, or null; never a server of another node. */
  ServerRef localTarget(Object to) {
    if (to instanceof ServerRef ref) {
      return ref.node().equals(self) ? ref : null;
    }
    if (to instanceof ServerName name) {
      return GenServer.whereisLocal(vertx, name).orElse(null);
    }
    throw new IllegalArgumentException("not a server: " + to);
  }
}
