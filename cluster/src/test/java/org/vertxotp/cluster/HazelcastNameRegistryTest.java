package org.vertxotp.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.testkit.NameRegistryContract;

/** The name registry contract, kept by the Hazelcast registry as seen from two members of one cluster. */
class HazelcastNameRegistryTest extends NameRegistryContract {

  private static TestCluster cluster;
  private static List<NameRegistry> registries;
  private static List<String> nodeIds;

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    Vertx first = cluster.plainNode();
    Vertx second = cluster.plainNode();
    registries = List.of(registryOf(first), registryOf(second));
    nodeIds = List.of(idOf(first), idOf(second));
  }

  private static NameRegistry registryOf(Vertx node) {
    HazelcastClusterManager manager = (HazelcastClusterManager) ((VertxInternal) node).clusterManager();
    return TestCluster.slowly(HazelcastNameRegistry.create(node, manager.getHazelcastInstance()));
  }

  private static String idOf(Vertx node) {
    return ((VertxInternal) node).clusterManager().getNodeId();
  }

  @Override
  protected String nodeId(int node) {
    return nodeIds.get(node % nodeIds.size());
  }

  @AfterAll
  static void closeCluster() {
    cluster.close();
  }

  @Override
  protected List<NameRegistry> registries(int nodes) {
    return registries.subList(0, nodes);
  }
}
