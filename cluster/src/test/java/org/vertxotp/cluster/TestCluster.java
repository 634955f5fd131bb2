package org.vertxotp.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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

  /**
   * What Hazelcast logs at SEVERE when a merge cannot lock the cluster state yet, partitions still
   * moving after the split; it tries again at its next merge check (a second later on a member
   * {@link #healingOn}). A test in which a split heals allows it.
   */
  static final String MERGE_RETRIED = "Still have pending migration tasks, cannot lock cluster state";

  /** The same, when the partition table changed under the lock: it tries again too. */
  static final String MERGE_RETRIED_STAMPS = "Can not lock cluster state! Partition tables have different stamps";

  /** A test in which a split heals: Hazelcast's reports of a merge it tries again are expected. */
  static void allowMergeRetries() {
    TestLogs.allow(MERGE_RETRIED);
    TestLogs.allow(MERGE_RETRIED_STAMPS);
  }

  /**
   * What Hazelcast logs at SEVERE on a member whose map operations to a member that was paused
   * were retried elsewhere and then answered twice (hazelcast/hazelcast#11839, #14754): its own
   * report, not the toolkit's. {@link NodeProcess#pause} allows it.
   */
  static final String ANSWERED_TWICE = "NormalResponse already responseReceived";

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

  /**
   * {@link #config()} for a member on {@code port} that looks for members on {@code others} only,
   * and for a cluster to merge with every second: for tests in which a split heals. (By default a
   * member waits five minutes before its first look, and then asks each port of the range in turn,
   * waiting seconds on each that does not answer.)
   */
  Config healingOn(int port, int... others) {
    Config config = config();
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "1");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "1");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    var tcp = config.getNetworkConfig().getJoin().getTcpIpConfig().clear();
    for (int other : others) {
      tcp.addMember("127.0.0.1:" + other);
    }
    return config;
  }

  /** {@code count} different ports of 127.0.0.1, free now: for members whose ports others must know before they start. */
  static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress())); // held together: never one port twice
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket socket : held) {
        socket.close();
      }
    }
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

  /**
   * A new node with its own Hazelcast configuration (start from {@link #config()}). Its event-loop
   * pool has the size the options give, or, where they leave the default, the size the system
   * property {@value org.vertxotp.genserver.TestVertx#LOOPS} gives (the build runs the message
   * path's tests again with one).
   */
  Vertx node(VertxOptions options, Config config) {
    String loops = System.getProperty(org.vertxotp.genserver.TestVertx.LOOPS);
    VertxOptions used = new VertxOptions(options); // the caller's options stay as they were
    if (loops != null && !loops.isBlank() && options.getEventLoopPoolSize() == VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE) {
      used.setEventLoopPoolSize(Integer.parseInt(loops.trim()));
    }
    Vertx vertx = slowly(GenServerCluster.start(used, config));
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
