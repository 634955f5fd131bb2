package org.vertxotp.cluster.impl;

import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerRef;

/** Monitors this node keeps of its servers for watchers on other nodes: each Down goes to the watcher's node. */
final class ServedMonitors {

  private final NodeWire wire;
  private final Membership membership;
  /** By the watcher's node, then watch id. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, MonitorRef>> watchedFor = new ConcurrentHashMap<>();

  ServedMonitors(NodeWire wire, Membership membership) {
    this.wire = wire;
    this.membership = membership;
  }

  /** A {@code monitor} request: set up here (or its Down sent at once), then answered. */
  void monitor(Message<Object> request, JsonObject body) {
    String id = Objects.requireNonNull(body.getString("watch"), "watch");
    String from = Objects.requireNonNull(body.getString("from"), "from");
    if (!(wire.types().decode(body.getValue("to")) instanceof ServerRef watched)) {
      throw new IllegalArgumentException("a monitor is of a server ref");
    }
    ServerRef target = wire.localTarget(watched);
    if (target == null) {
      sendDown(from, id, ExitReason.NOPROC);
    } else {
      ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.computeIfAbsent(from, n -> new ConcurrentHashMap<>());
      ofNode.put(id, Monitors.monitor(wire.vertx(), target, down -> { // runs later, on this context: after the put
        if (ofNode.remove(id) != null) {
          sendDown(from, id, down.reason());
        }
      }));
      if (!membership.isMember(from)) { // it left while this was set up: nobody to tell
        MonitorRef orphan = ofNode.remove(id);
        if (orphan != null) {
          Monitors.demonitor(orphan);
        }
        if (ofNode.isEmpty()) {
          watchedFor.remove(from, ofNode);
        }
      }
    }
    if (request.replyAddress() != null) {
      request.reply(null);
    }
  }

  /** A {@code demonitor} message. */
  void demonitor(JsonObject body) {
    String id = Objects.requireNonNull(body.getString("watch"), "watch");
    ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.get(body.getString("from"));
    MonitorRef monitor = ofNode == null ? null : ofNode.remove(id);
    if (monitor != null) {
      Monitors.demonitor(monitor);
    }
  }

  private void sendDown(String node, String id, ExitReason reason) {
    wire.vertx().eventBus().send(NodeWire.address(node), wire.down(id, reason));
  }

  /** {@code node} left: nobody is left there to tell. */
  void nodeLeft(String node) {
    ConcurrentHashMap<String, MonitorRef> forGone = watchedFor.remove(node);
    if (forGone != null) {
      forGone.values().forEach(Monitors::demonitor);
    }
  }
}
