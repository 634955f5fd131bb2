package org.vertxotp.cluster.impl;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * How a node reaches servers on other nodes, and how it lets them reach its own, over the node
 * protocol ({@link NodeWire}): a thin transport. Each part has one job: {@link Membership} (who is
 * a member), {@link SenderLanes} (which server a message goes to, in each sender's order),
 * {@link OutgoingCalls} (calls, stops and kills), {@link OutgoingMonitors} and
 * {@link ServedMonitors} (monitors across nodes, each way), {@link NodeInbox} (what arrives).
 *
 * <p>The messages of one sender (a context; code on no context counts as one sender) leave in the
 * order it gave them, whatever the destination's form: a name is routed by this node's copy of the
 * name table, without waiting on the member that owns it. When a node leaves, the calls waiting
 * for it fail first, then the monitors of its servers are told.
 */
public final class ClusterRouter implements RemoteNodes {

  /** Prefix of a node's cluster-visible address. */
  public static final String NODE_ADDRESS_PREFIX = NodeWire.NODE_ADDRESS_PREFIX;

  private final NodeWire wire;
  private final NameRegistry names;
  private final Membership membership;
  private final SenderLanes lanes;
  private final OutgoingCalls calls;
  private final OutgoingMonitors watching;
  private final ServedMonitors served;
  private final NodeInbox inbox;
  /** Where the node's address listens, and the sender of code on no context: a context of no deployment. */
  private final Context home;

  public ClusterRouter(Vertx vertx, HazelcastInstance hazelcast, NameRegistry names, MessageTypes types) {
    this.wire = new NodeWire(vertx, types, RemoteNodes.nodeId(vertx));
    this.names = names;
    this.home = ClusterInternals.newContext(vertx);
    this.membership = new Membership(hazelcast);
    this.lanes = new SenderLanes(names, home);
    this.calls = new OutgoingCalls(wire, membership, lanes, names);
    this.watching = new OutgoingMonitors(wire, membership, lanes);
    this.served = new ServedMonitors(wire, membership);
    this.inbox = new NodeInbox(wire, served, watching);
  }

  /**
   * Listens to the cluster and at the node's address; completes once the address is known
   * cluster-wide. Call it off the event loop: Hazelcast's listener registration blocks.
   */
  public Future<Void> start() {
    membership.start(node -> {
      calls.nodeLeft(node); // first: nothing a watcher does may keep a caller waiting
      watching.nodeLeft(node);
      served.nodeLeft(node);
    });
    Promise<Void> listening = Promise.promise();
    home.runOnContext(v -> inbox.listen().onComplete(listening));
    return listening.future();
  }

  /** Stops listening to the cluster (the node's address goes with Vert.x). Blocking: off the event loop. */
  public void close() {
    membership.close();
  }

  @Override
  public <T> Future<T> call(Destination destination, Object request, Duration timeout) {
    Object message;
    try {
      message = wire.types().encode(request);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new CallException(CallFailure.BAD_MESSAGE, e.getMessage()));
    }
    return calls.request("call", destination, message, timeout);
  }

  @Override
  public Future<Void> stop(Destination destination, ExitReason reason, Duration timeout) {
    return calls.request("stop", destination, wire.types().encode(Reasons.encode(reason, wire.types())), timeout);
  }

  @Override
  public Future<Void> kill(Destination destination) {
    return calls.request("kill", destination, null, GenServer.INFINITY);
  }

  @Override
  public Runnable monitor(Destination destination, Watcher watcher) {
    return watching.monitor(destination, watcher);
  }

  @Override
  public void cast(Destination destination, Object message) {
    post(destination, "cast", wire.types().encode(message));
  }

  @Override
  public void send(Destination destination, Object message) {
    post(destination, "info", wire.types().encode(message));
  }

  /** A cast or info, encoded by the sender: handed to the event bus in the sender's order, or dropped if nobody is there. */
  private void post(Destination destination, String kind, Object message) {
    Context sender = lanes.sender();
    lanes.on(sender, () -> lanes.withHolder(sender, destination, false, holder -> {
      if (holder.isEmpty()) {
        return;
      }
      if (membership.isMember(holder.get().node())) {
        wire.vertx().eventBus().send(NodeWire.address(holder.get().node()), wire.envelope(kind, holder.get(), message));
      } else if (destination instanceof ServerName name) {
        names.holderGone(name, holder.get()); // its node left: whoever holds the name now gets it
        lanes.withHolder(sender, name, true, now -> now.filter(ref -> membership.isMember(ref.node()))
            .ifPresent(ref -> wire.vertx().eventBus().send(NodeWire.address(ref.node()), wire.envelope(kind, ref, message))));
      }
    }));
  }
}
