package org.vertxotp.genserver.sys;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import org.vertxotp.genserver.impl.MicrometerObserver;
import org.vertxotp.genserver.impl.Node;

/**
 * Micrometer meters for the toolkit in one Vert.x instance. Micrometer is an optional dependency:
 * nothing of it is loaded unless an application calls {@link #bind}.
 *
 * <p>Node-wide gauges: {@code genserver.servers}, {@code genserver.names},
 * {@code genserver.calls.pending}, {@code genserver.timers.pending}, {@code genserver.monitors};
 * counter {@code genserver.messages.dropped}. Per registered name (tags {@code server} and
 * {@code module}, the callbacks' class): gauge {@code genserver.mailbox}, counter
 * {@code genserver.messages.handled} (per incarnation), timer {@code genserver.call.latency}
 * (round trips of calls made from this instance), counters {@code genserver.crashes} and, tagged
 * by the child's id, {@code genserver.restarts} (by its supervisor). Binding makes every server
 * time its calls' round trips: two clock reads per call.
 */
public final class MicrometerMetrics {

  private MicrometerMetrics() {
  }

  /**
   * Registers the toolkit's meters of {@code vertx} in {@code registry}.
   *
   * Bind one registry to one Vert.x instance: two instances in one registry would share their meters.
   *
   * @throws IllegalStateException if servers already run there: bind before starting any
   */
  public static void bind(Vertx vertx, MeterRegistry registry) {
    Node node = Node.of(vertx);
    node.observe(() -> new MicrometerObserver(node, registry));
  }
}
