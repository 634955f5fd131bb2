package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
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

  @Test
  void eachMembersCopyFollowsTheNamesRegisteredAndReleasedOnAnotherMemberAndKeepsNothingOfReleasedOnes() {
    HazelcastNameRegistry here = (HazelcastNameRegistry) registries.get(0);
    NameRegistry there = registries.get(1);
    List<ServerName> names = java.util.stream.IntStream.range(0, 100).mapToObj(i -> ServerName.of("copied-" + i)).toList();
    for (ServerName name : names) {
      Await.result(there.register(name, new ServerRef(nodeId(1), 7)));
    }
    Await.until(() -> names.stream().allMatch(name -> here.lastKnownHolder(name).isPresent()), "the copy has them all");
    assertEquals(Optional.of(new ServerRef(nodeId(1), 7)), here.lastKnownHolder(names.get(42)));
    for (ServerName name : names) {
      Await.result(there.unregister(name, new ServerRef(nodeId(1), 7)));
    }
    Await.until(() -> names.stream().noneMatch(name -> here.lastKnownHolder(name).isPresent()), "the copy lets them go");
    Await.until(() -> here.viewTombstones() == 0, "nothing is kept of released names once no read is under way");
  }

  @Override
  protected List<NameRegistry> registries(int nodes) {
    return registries.subList(0, nodes);
  }
}
