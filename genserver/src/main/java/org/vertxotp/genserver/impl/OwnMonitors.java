package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import java.util.HashSet;
import java.util.Set;

/**
 * The monitors a server set up, so that they are removed when it stops. Confined to the server's
 * context; a change from elsewhere is handed to it.
 */
final class OwnMonitors {

  private final ServerProcess process;
  private Set<ServerMonitor> monitors;
  private boolean closed;

  OwnMonitors(ServerProcess process) {
    this.process = process;
  }

  /** Remembers a monitor the server set up; cancels it if the server already stopped. */
  void add(ServerMonitor monitor) {
    Context ctx = process.context();
    if (ctx != null && !VertxInternals.isOn(ctx)) {
      process.node.execute(ctx, v -> add(monitor));
      return;
    }
    if (closed) {
      monitor.cancel(true);
      return;
    }
    if (monitors == null) {
      monitors = new HashSet<>();
    }
    monitors.add(monitor);
  }

  /** Forgets a monitor that fired or was demonitored. */
  void remove(ServerMonitor monitor) {
    Context ctx = process.context();
    if (ctx == null) {
      return;
    }
    if (VertxInternals.isOn(ctx)) {
      if (monitors != null) {
        monitors.remove(monitor);
      }
    } else {
      process.node.execute(ctx, v -> remove(monitor));
    }
  }

  int count() {
    return monitors == null ? 0 : monitors.size();
  }

  /** The server stopped: every monitor it set up is removed, and any set up later is cancelled at once. */
  void cancelAll() {
    closed = true;
    if (monitors != null) {
      monitors.forEach(monitor -> monitor.cancel(true));
      monitors = null;
    }
  }
}
