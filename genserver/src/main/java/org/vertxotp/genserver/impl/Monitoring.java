package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import java.util.concurrent.atomic.LongAdder;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.spi.RemoteNodes;
import org.vertxotp.genserver.MonitorRef;

/** Erlang's monitors: for the calling server (Down into its mailbox) or for a handler. */
public final class Monitoring {

  private final Node node;
  private final LongAdder active = new LongAdder();

  Monitoring(Node node) {
    this.node = node;
  }

  long active() {
    return active.sum();
  }

  void settled() {
    active.decrement();
  }

  /** A monitor for the calling server ({@code onDown} null) or for a handler, run on the caller's context. */
  public MonitorRef monitor(Destination destination, Handler<Down> onDown) {
    ServerProcess target = node.table().resolve(destination);
    if (onDown == null) {
      ServerProcess owner = ServerProcess.current();
      if (owner == null) {
        throw new IllegalStateException("outside a server, monitor with a handler");
      }
      return monitor(target, destination, owner, null, null);
    }
    return monitor(target, destination, null, node.callerContext(), onDown);
  }

  /** A monitor of {@code target} whose Down goes to {@code owner}'s mailbox. */
  ServerMonitor monitorFor(ServerProcess owner, ServerProcess target) {
    return monitor(target, target.ref(), owner, null, null);
  }

  /** A monitor of whoever {@code destination} is now, whose Down goes to {@code owner}'s mailbox. */
  ServerMonitor monitorFor(ServerProcess owner, Destination destination) {
    return monitor(node.table().resolve(destination), destination, owner, null, null);
  }

  private ServerMonitor monitor(ServerProcess target, Destination destination, ServerProcess owner,
                                Context context, Handler<Down> onDown) {
    ServerMonitor monitor = new ServerMonitor(node, target, owner, context, onDown);
    if (!monitor.isActive()) {
      return monitor;
    }
    active.increment();
    if (owner != null) {
      owner.own(monitor);
    }
    RemoteNodes remote = target == null ? node.beyond(destination) : null;
    if (remote != null) {
      monitor.watchRemotely(remote.monitor(destination, monitor::fire));
      return monitor;
    }
    if (target == null || !target.monitor(monitor)) {
      monitor.fire(target == null ? destination : target.ref(), ExitReason.NOPROC);
    }
    return monitor;
  }

  /** Stops a monitor; true if it was active. With {@code flush}, a Down already queued is dropped too. */
  public static boolean demonitor(MonitorRef ref, boolean flush) {
    if (!(ref instanceof ServerMonitor monitor)) {
      return false;
    }
    boolean active = monitor.cancel(flush);
    if (monitor.owner() != null) {
      monitor.owner().disown(monitor);
    }
    return active;
  }
}
