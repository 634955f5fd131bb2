package org.vertxotp.delivery.spi;

/**
 * Where a delivery service's workers run: on this node, or spread over the nodes of a cluster
 * that run a part of the service. A service has a part on every node that runs it (its supervisor,
 * its reviver and the workers placed there); a placement says which node a destination's worker
 * belongs on, and what each part is named.
 *
 * <p>A placement answers from what this node knows now; two nodes may briefly disagree while the
 * cluster changes. Among nodes that see each other that costs time, not a second worker: a
 * worker's name is unique where names are (on the node, or across the cluster), so a second start
 * of one is refused, and the part that was refused starts it once the holder is gone. A node cut
 * off from the others, or paused, is kept from running beside its successor by the placement
 * itself: it places nothing while it cannot tell (the cluster module's node lease).
 *
 * <p>Methods are called from event loops and answer at once, except {@link #join}.
 */
public interface WorkerPlacement {

  /** Every worker on this node, the service's part named as the service (the default). */
  WorkerPlacement LOCAL = new WorkerPlacement() {
    @Override
    public String node() {
      return "";
    }

    @Override
    public io.vertx.core.Future<AutoCloseable> join(String service, Runnable changed) {
      return io.vertx.core.Future.succeededFuture(() -> { });
    }

    @Override
    public java.util.Optional<String> nodeOf(String service, String destination) {
      return HERE;
    }

    private static final java.util.Optional<String> HERE = java.util.Optional.of("");

    @Override
    public String toString() {
      return "LOCAL";
    }
  };

  /** This node, as {@link #nodeOf} names nodes; empty for a placement of one node. */
  String node();

  /**
   * Counts this node's part of {@code service} among those that run its workers, until the
   * returned handle is closed, and calls {@code changed} (on any thread) whenever which node a
   * destination of the service belongs on may have changed, until then.
   */
  io.vertx.core.Future<AutoCloseable> join(String service, Runnable changed);

  /**
   * The node the worker of {@code service}'s {@code destination} belongs on now; empty if none
   * may run it now (this node is cut off from the others, or the node that ran it was lost too
   * recently for its worker to have surely stopped).
   */
  java.util.Optional<String> nodeOf(String service, String destination);

  /**
   * How long after a node was seen lost its workers may still run (until its lease has surely
   * lapsed): a worker whose holder's node was lost is started no sooner. Zero on one node.
   */
  default java.time.Duration quarantine() {
    return java.time.Duration.ZERO;
  }

  /** Whether the worker of {@code service}'s {@code destination} belongs on this node now. */
  default boolean isHere(String service, String destination) {
    return nodeOf(service, destination).filter(node()::equals).isPresent();
  }

  /**
   * The name under which {@code service}'s part on {@code node} listens: the service's name on one
   * node, the service's name and the node in a cluster (names there are unique cluster-wide).
   */
  static String partName(String service, String node) {
    return node.isEmpty() ? service : service + "@" + node;
  }
}
