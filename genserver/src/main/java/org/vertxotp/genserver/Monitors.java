package org.vertxotp.genserver;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import org.vertxotp.genserver.impl.Monitoring;
import org.vertxotp.genserver.impl.Node;

/**
 * Erlang's monitors: be told once when a server stops, and why. The same mechanism makes a
 * {@code call} fail at once when its server dies.
 *
 * <p>A monitor set up in a server's callback delivers {@link Down} to that server's
 * {@code handleInfo} and is removed when that server stops. Anywhere else, pass a handler: it
 * runs as a task of its own on the caller's context (or, for code on no context, on one of the
 * toolkit's), never inside the stopping server's own stop; a handler that throws is reported by
 * Vert.x and keeps no other from running. A handler monitor set up from a verticle ends when that
 * verticle is undeployed. Monitoring a server that is already gone, or a name nobody holds,
 * delivers {@code Down} with {@link ExitReason#NOPROC} at once.
 */
public final class Monitors {

  private Monitors() {
  }

  /**
   * Monitors {@code server} for the calling server.
   *
   * @throws IllegalStateException outside a server; use {@link #monitor(Vertx, Destination, Handler)}
   */
  public static MonitorRef monitor(Vertx vertx, Destination server) {
    return Node.of(vertx).monitoring().monitor(server, null);
  }

  /** Monitors {@code server}; {@code onDown} runs once when it stops, unless demonitored first. */
  public static MonitorRef monitor(Vertx vertx, Destination server, Handler<Down> onDown) {
    return Node.of(vertx).monitoring().monitor(server, onDown);
  }

  /** Stops the monitor; true if it was still active (no {@code Down} was sent). Any thread. */
  public static boolean demonitor(MonitorRef monitor) {
    return Monitoring.demonitor(monitor, false);
  }

  /**
   * Stops the monitor and, with {@code flush}, also drops its {@code Down} if that was already
   * sent and still waits in the monitoring server's mailbox (Erlang's {@code [flush]} option):
   * after it, the server never receives a {@code Down} for this monitor.
   */
  public static boolean demonitor(MonitorRef monitor, boolean flush) {
    return Monitoring.demonitor(monitor, flush);
  }
}
