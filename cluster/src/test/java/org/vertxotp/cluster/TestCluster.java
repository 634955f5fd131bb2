package org.vertxotp.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * Nodes of one Hazelcast cluster in this JVM, on 127.0.0.1 only, under a cluster name of their
 * own (so that clusters of other tests never merge with them), with failure detection shortened
 * to a few seconds. Closes every node it started.
 */
final class TestCluster implements AutoCloseable {

  /** How long a test waits for the cluster to notice a lost member: the detection time, and some. */
  static final long DETECTION_MILLIS = 15_000;

  /** Held, so that its level is not lost with it: JUL keeps loggers only weakly. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

  static {
    // Its INFO lines are many and say nothing a test needs; its WARNINGs are about members the tests stop or kill on purpose.
    HAZELCAST.setLevel(Level.SEVERE);
  }

  private final String name;
  private final List<Vertx> nodes = new ArrayList<>();

  TestCluster() {
    this("test-" + UUID.randomUUID());
  }

  /** Nodes of the cluster {@code name}, which nodes in other processes may join too. */
  TestCluster(String name) {
    this.name = name;
  }

  /** The Hazelcast configuration of this cluster's members. */
  Config config() {
    Config config = ClusterConfig.loopback(name);
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    return config;
  }

  String name() {
    return name;
  }

  /** A new node, its toolkit joined to the cluster. */
  Vertx node() {
    return node(new VertxOptions());
  }

  Vertx node(VertxOptions options) {
    return node(options, config());
  }

  /** A new node with its own Hazelcast configuration (start from {@link #config()}). */
  Vertx node(VertxOptions options, Config config) {
    Vertx vertx = slowly(GenServerCluster.start(options, config));
    nodes.add(vertx);
    return vertx;
  }

  /** A new node on {@code manager} (made from {@link #config()}), its toolkit joined to the cluster. */
  Vertx node(HazelcastClusterManager manager) {
    Vertx vertx = slowly(Vertx.builder().withClusterManager(manager).buildClustered());
    nodes.add(vertx);
    slowly(GenServerCluster.join(vertx));
    return vertx;
  }

  /** A clustered Vert.x without the toolkit: what a plain Vert.x program is. */
  Vertx plainNode() {
    Vertx vertx = slowly(Vertx.builder().withClusterManager(new HazelcastClusterManager(config())).buildClustered());
    nodes.add(vertx);
    return vertx;
  }

  /** The result of what a cluster does slowly (a member joins or leaves): up to a minute. */
  static <T> T slowly(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("not done within a minute", e);
    }
  }

  static String id(Vertx node) {
    return RemoteNodes.nodeId(node);
  }

  static com.hazelcast.core.HazelcastInstance hazelcast(Vertx node) {
    return ((HazelcastClusterManager) ((VertxInternal) node).clusterManager()).getHazelcastInstance();
  }

  /** Ends {@code node}'s Hazelcast member at once, as if its process died: no goodbye to the others. */
  static void crash(Vertx node) {
    com.hazelcast.core.HazelcastInstance member = hazelcast(node);
    // What the crashed member itself says as its threads find it gone (its lines name its address and
    // cluster); a killed process would never get to say it.
    TestLogs.allow(member.getCluster().getLocalMember().getAddress() + " [" + member.getConfig().getClusterName() + "]");
    TestLogs.allow("Failed to leave cluster"); // Vert.x, closing later on a member that is already gone
    member.getLifecycleService().terminate();
  }

  void close(Vertx node) {
    nodes.remove(node);
    slowly(node.close());
  }

  @Override
  public void close() {
    for (Vertx node : List.copyOf(nodes)) {
      try {
        close(node);
      } catch (Exception e) {
        // a crashed node may not close cleanly; the others must still be closed
      }
    }
  }
}
