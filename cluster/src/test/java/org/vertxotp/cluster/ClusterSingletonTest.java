package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.supervisor.ChildSpec;

/** A singleton runs on exactly one node, and on a survivor when that node is lost. */
class ClusterSingletonTest extends OnTestCluster {

  private static final ServerName NAME = ServerName.of("single");
  /** Detection, then the lease's quarantine (3 s), then a keeper's next look, with room for a busy machine. */
  private static final int FAILOVER_SECONDS = (int) (TestCluster.DETECTION_MILLIS / 1000) + 10;




  static ChildSpec singleStore() {
    return ChildSpec.worker("single", Store::new, new LinkedBlockingQueue<>()).withName(NAME.name());
  }

  /** The nodes on which the singleton runs now. */
  private static List<Vertx> running(List<Vertx> nodes) {
    List<Vertx> running = new ArrayList<>();
    for (Vertx node : nodes) {
      if (GenServer.whereisLocal(node, NAME).isPresent()) {
        running.add(node);
      }
    }
    return running;
  }

  @Test
  void keepersOnThreeNodesRunTheSingletonOnExactlyOneAndASurvivorRunsItWhenThatNodeIsLost() throws Exception {
    List<Vertx> nodes = new ArrayList<>(List.of(cluster.node(), cluster.node(), cluster.node()));
    for (Vertx node : nodes) {
      Store.register(MessageTypes.of(node));
      Await.result(ClusterSingleton.start(node, singleStore()));
    }
    Await.until(() -> running(nodes).size() == 1, "the singleton runs on one node");
    Vertx holder = running(nodes).get(0);
    ServerRef first = GenServer.whereisLocal(holder, NAME).orElseThrow();
    for (Vertx node : nodes) {
      assertEquals(Optional.of(first), Await.result(GenServer.whereis(node, NAME)));
    }
    Thread.sleep(300);
    assertEquals(List.of(holder), running(nodes), "still exactly one, on the same node");

    long crashed = System.nanoTime();
    TestCluster.crash(holder);
    nodes.remove(holder);
    Await.until(() -> running(nodes).size() == 1, "a survivor runs the singleton", FAILOVER_SECONDS);
    long quarantine = org.vertxotp.cluster.impl.NodeLease.DEFAULT_LEASE.toMillis() * 3 / 2;
    assertTrue(Await.millisSince(crashed) < TestCluster.DETECTION_MILLIS + quarantine, "after " + Await.millisSince(crashed) + " ms");
    ServerRef second = GenServer.whereisLocal(running(nodes).get(0), NAME).orElseThrow();
    assertNotEquals(first.node(), second.node());
    for (Vertx node : nodes) {
      assertEquals(Optional.of(second), Await.result(GenServer.whereis(node, NAME)));
    }
    Thread.sleep(300);
    assertEquals(1, running(nodes).size(), "exactly one instance afterwards");
  }

  @Test
  void whenTheProcessRunningTheSingletonIsKilledASurvivorRunsItUnderTheSameName() throws Exception {
    // Of two members, the older one's side is the majority: B, the survivor, is the older one.
    Vertx b = cluster.node();
    Store.register(MessageTypes.of(b));
    try (NodeProcess a = new NodeProcess(cluster.name(), "singleton", NAME.name())) {
      String nodeA = a.awaitReady();
      Await.until(() -> Await.result(GenServer.whereis(b, NAME)).isPresent(), "the singleton runs");
      assertEquals(nodeA, Await.result(GenServer.whereis(b, NAME)).orElseThrow().node());
      Await.result(ClusterSingleton.start(b, singleStore()));
      assertEquals(Optional.empty(), GenServer.whereisLocal(b, NAME), "B watches; A runs it");

      assertEquals(List.of(), a.severeLines(), "the node logged no error before it was killed");
      a.kill();
      Await.until(() -> GenServer.whereisLocal(b, NAME).isPresent(), "B runs the singleton", FAILOVER_SECONDS);
      assertEquals(Optional.of(GenServer.whereisLocal(b, NAME).get()), Await.result(GenServer.whereis(b, NAME)));
      assertEquals("ok", Await.result(GenServer.call(b, NAME, new Store.Put("after", "failover"))));
    }
  }
}
