package org.vertxotp.cluster.impl;

import io.vertx.core.Context;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * Monitors this node's watchers hold of servers on other nodes: each told once, by the server's
 * node when it goes down, with {@code noproc} when it is not there, or with {@code noconnection}
 * when its node cannot be reached or leaves.
 */
final class OutgoingMonitors {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");
  /** How long a node has to confirm a monitor before its server counts as unreachable. */
  private static final long MONITOR_ACK_MILLIS = 30_000;

  private final NodeWire wire;
  private final Membership membership;
  private final SenderLanes lanes;
  /** Monitors of servers on other nodes, by watch id; the server is null while its name is looked up. */
  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();

  OutgoingMonitors(NodeWire wire, Membership membership, SenderLanes lanes) {
    this.wire = wire;
    this.membership = membership;
    this.lanes = lanes;
  }

  /** A monitor of a server on another node: told by that node's down message, or by its departure. */
  private record Watch(ServerRef server, RemoteNodes.Watcher watcher) {
  }

  /** See {@link RemoteNodes#monitor}. */
  Runnable monitor(Destination destination, RemoteNodes.Watcher watcher) {
    String id = wire.self() + ":" + UUID.randomUUID();
    Watch looking = new Watch(null, watcher);
    watches.put(id, looking);
    Context sender = lanes.sender();
    lanes.on(sender, () -> lanes.withHolder(sender, destination, false, SenderLanes.HolderAction.of(holder -> {
      if (holder.isEmpty()) {
        watchEnded(id, destination, ExitReason.NOPROC);
      } else {
        watch(id, looking, holder.get());
      }
    }, lookupFailed -> watchEnded(id, destination, ExitReason.NOCONNECTION)))); // as Erlang's monitor of {Name, Node} that cannot reach it
    return () -> {
      Watch watch = watches.remove(id);
      if (watch != null && watch.server() != null) {
        demonitor(id, watch.server());
      }
    };
  }

  private void demonitor(String id, ServerRef server) {
    if (membership.isMember(server.node())) {
      wire.vertx().eventBus().send(NodeWire.address(server.node()), wire.demonitor(id));
    }
  }

  private void watch(String id, Watch looking, ServerRef server) {
    if (!watches.replace(id, looking, new Watch(server, looking.watcher()))) {
      return; // demonitored while its name was looked up
    }
    if (!membership.isMember(server.node())) { // checked after the watch is in place: a departure cannot slip between
      watchEnded(id, server, ExitReason.NOCONNECTION);
      return;
    }
    wire.vertx().eventBus().request(NodeWire.address(server.node()), wire.monitor(server, id),
            new DeliveryOptions().setSendTimeout(MONITOR_ACK_MILLIS))
        .onComplete(ar -> {
          if (!watches.containsKey(id)) {
            demonitor(id, server); // demonitored before the monitor was set up there: the demonitor may have come first
          } else if (ar.failed()) {
            watchEnded(id, server, ExitReason.NOCONNECTION); // its node cannot be reached
            demonitor(id, server);
          }
        });
  }

  /** A {@code down} message: only the node of the watched server can say it is down. */
  void down(JsonObject body) {
    String id = Objects.requireNonNull(body.getString("watch"), "watch");
    Watch watch = watches.get(id);
    if (watch != null && watch.server() != null && watch.server().node().equals(body.getString("from"))) {
      watchEnded(id, watch.server(), Reasons.decode(body.getJsonObject("reason"), wire.types()));
    }
  }

  /** Tells a watch's watcher, once, that its server is down. */
  private void watchEnded(String id, Destination server, ExitReason reason) {
    Watch watch = watches.remove(id);
    if (watch != null) {
      try {
        watch.watcher().down(watch.server() != null ? watch.server() : server, reason);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "a monitor of " + server + " failed to take its Down", e);
      }
    }
  }

  /** {@code node} left: the monitors of its servers are told {@code noconnection}. */
  void nodeLeft(String node) {
    watches.forEach((id, watch) -> {
      if (watch.server() != null && watch.server().node().equals(node)) {
        watchEnded(id, watch.server(), ExitReason.NOCONNECTION);
      }
    });
  }
}
