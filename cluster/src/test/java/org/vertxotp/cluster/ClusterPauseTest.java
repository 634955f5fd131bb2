package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;

/**
 * A node in another process paused with SIGSTOP past the detection time, then resumed with
 * SIGCONT: the node that stays frees its names meanwhile and may give them out again; once the
 * paused node is back in the cluster, a name runs in one place, not two.
 */
class ClusterPauseTest extends OnTestCluster {

  /** How long the cluster takes to see a member gone, or back: the detection time, and some. */
  private static final int DETECTION_SECONDS = (int) (TestCluster.DETECTION_MILLIS / 1000);
  /** How long a resumed member may take to find the cluster again and merge with it: a few merge checks. */
  private static final int MERGE_SECONDS = 60;

  /** Whether {@code name} is free, as {@code node} sees it now: a lookup that waits on the paused member is a no. */
  private static boolean isFree(Vertx node, ServerName name) {
    try {
      return GenServer.whereis(node, name).await(1, TimeUnit.SECONDS).isEmpty();
    } catch (TimeoutException e) {
      return false;
    }
  }

  /** Which side of the healed split merges into the other: Hazelcast decides it by the members' addresses. */
  enum Merging {
    THE_PAUSED_NODE, THE_NODE_THAT_STAYED
  }

  @ParameterizedTest
  @EnumSource(Merging.class)
  void aNodePausedPastTheDetectionTimeLosesItsNameAndOnceItResumesTheNameRunsInOnePlaceNotTwo(Merging merging)
      throws Exception {
    TestCluster.allowMergeRetries();
    // Of two sides of one size, the one whose address reads greater merges into the other.
    List<Integer> ports = TestCluster.freePorts(2).stream().sorted(Comparator.comparing(String::valueOf)).toList();
    int portA = merging == Merging.THE_PAUSED_NODE ? ports.get(1) : ports.get(0);
    int portB = merging == Merging.THE_PAUSED_NODE ? ports.get(0) : ports.get(1);
    Vertx b = cluster.node(new VertxOptions(), cluster.healingOn(portB, portA));
    Store.register(MessageTypes.of(b));
    HazelcastNameRegistry watcher = Await.result(HazelcastNameRegistry.create(b, TestCluster.hazelcast(b)));
    ServerName name = ServerName.of("paused");
    try (NodeProcess a = new NodeProcess(Map.of(NodeMain.PORTS, portA + "," + portB), cluster.name(), "store", name.name())) {
      String nodeA = a.awaitReady();
      ServerRef onA = Await.result(GenServer.whereis(b, name)).orElseThrow();
      assertEquals(nodeA, onA.node());

      a.pause();
      Await.until(() -> isFree(b, name), "the paused node's name is released", DETECTION_SECONDS);
      Await.until(() -> watcher.departuresInProgress() == 0, "its departure is over, and forgotten");
      ServerRef onB = Await.result(GenServer.start(b, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
      BlockingQueue<Down> downsOnB = new LinkedBlockingQueue<>();
      Monitors.monitor(b, onB, downsOnB::add);

      a.resume();
      Await.until(() -> TestCluster.hazelcast(b).getCluster().getMembers().size() == 2, "the resumed node is back",
          MERGE_SECONDS);
      // Both ran the name while apart; whichever side the merge kept, the other's holder stops.
      Await.until(() -> !downsOnB.isEmpty() || !a.downs().isEmpty(), "one of the two holders stopped", MERGE_SECONDS);
      ServerRef kept;
      if (!downsOnB.isEmpty()) {
        Down down = downsOnB.take();
        NameConflict conflict = (NameConflict) assertInstanceOf(ExitReason.Custom.class, down.reason()).term();
        assertEquals(new NameConflict(name, onA, onB), conflict);
        kept = onA;
      } else {
        String down = a.downs().take();
        assertEquals(name.name() + " " + onA + " " + new NameConflict(name, onB, onA), down, "the paused node's holder lost");
        kept = onB;
      }
      Await.nothingFor(downsOnB, 2_000); // the other holder runs on
      assertTrue(a.downs().isEmpty(), "the other holder runs on: " + a.downs());
      assertEquals(Optional.of(kept), Await.result(GenServer.whereis(b, name)), "the name is the kept holder's");
      assertEquals(0, Await.result(GenServer.<Integer>call(b, kept, new Store.Held())), "and it answers");
      assertEquals(0, watcher.departuresInProgress());
      assertEquals(List.of(), a.severeLines(), "the paused node logged no error");
    } finally {
      Await.result(b.executeBlocking(() -> {
        watcher.close();
        return null;
      }));
    }
  }
}
