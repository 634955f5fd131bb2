package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/** A node in another process, killed with SIGKILL: what the nodes that are left see. */
class ClusterProcessTest extends OnTestCluster {

  private Vertx b;

  @BeforeEach
  void startNodes() {
    b = cluster.node();
    Store.register(MessageTypes.of(b));
  }


  @Test
  void killingANodesProcessTellsMonitorsAndPendingCallsNoconnectionAndFreesItsNamesWithinTheDetectionTime()
      throws Exception {
    ServerName name = ServerName.of("far");
    try (NodeProcess a = new NodeProcess(cluster.name(), "store", name.name())) {
      String nodeA = a.awaitReady();
      ServerRef store = Await.result(GenServer.whereis(b, name)).orElseThrow();
      assertEquals(nodeA, store.node());
      BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
      Monitors.monitor(b, name, downs::add);
      Future<Object> pending = GenServer.call(b, name, new Store.Hold(), Duration.ofMinutes(5));
      Await.until(() -> Integer.valueOf(1).equals(Await.result(GenServer.call(b, name, new Store.Held()))),
          "A's server holds the call");
      assertFalse(pending.isComplete());
      assertEquals(List.of(), a.severeLines(), "the node logged no error before it was killed");

      long killed = System.nanoTime();
      a.kill();

      Down down = Await.next(downs);
      assertEquals(ExitReason.NOCONNECTION, down.reason());
      assertEquals(store, down.server());
      try {
        pending.await(TestCluster.DETECTION_MILLIS, TimeUnit.MILLISECONDS);
        throw new AssertionError("the held call succeeded");
      } catch (CallException failure) {
        assertEquals(CallFailure.SERVER_EXITED, failure.failure());
        assertEquals(Optional.of(ExitReason.NOCONNECTION), failure.reason());
      }
      Await.until(() -> Await.result(GenServer.whereis(b, name)).isEmpty(), "the name of the killed node is released");
      long took = Await.millisSince(killed);
      assertTrue(took < TestCluster.DETECTION_MILLIS, "all told after " + took + " ms");
      Await.result(GenServer.start(b, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
    }
  }
}
