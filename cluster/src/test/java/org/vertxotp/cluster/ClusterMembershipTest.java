package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
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
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/** What the other nodes see when a node leaves the cluster, politely or not. */
class ClusterMembershipTest extends OnTestCluster {

  private Vertx a;
  private Vertx b;

  @BeforeEach
  void startNodes() {
    a = cluster.node();
    b = cluster.node();
    Store.register(MessageTypes.of(a));
    Store.register(MessageTypes.of(b));
  }


  private ServerRef startStore(Vertx node, ServerName name) {
    return Await.result(GenServer.start(node, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
  }

  @Test
  void theNamesOfANodeThatClosesAreFreeOnTheOthersAndCanBeTakenThere() {
    ServerName name = ServerName.of("leaving");
    ServerRef onA = startStore(a, name);
    assertEquals(Optional.of(onA), Await.result(GenServer.whereis(b, name)));
    cluster.close(a);
    assertEquals(Optional.empty(), Await.result(GenServer.whereis(b, name)));
    ServerRef onB = startStore(b, name);
    assertEquals(Optional.of(onB), Await.result(GenServer.whereis(b, name)));
  }

  @Test
  void theNamesOfANodeThatIsLostAreReleasedWithinTheDetectionTime() {
    ServerName name = ServerName.of("lost");
    startStore(a, name);
    TestCluster.crash(a);
    long started = System.nanoTime();
    Await.until(() -> Await.result(GenServer.whereis(b, name)).isEmpty(), "the name of the lost node is released");
    assertTrue(Await.millisSince(started) < TestCluster.DETECTION_MILLIS, "released after " + Await.millisSince(started) + " ms");
    startStore(b, name);
  }

  /** Holds a call on A's server named {@code name}, from B; returns it once A's server holds it. */
  private Future<Object> heldCall(ServerName name) {
    Future<Object> pending = GenServer.call(b, name, new Store.Hold(), Duration.ofMinutes(5));
    Await.until(() -> Integer.valueOf(1).equals(Await.result(GenServer.call(b, name, new Store.Held()))),
        "A's server holds the call");
    assertTrue(!pending.isComplete(), "the held call is still pending");
    return pending;
  }

  @Test
  void aCallPendingOnANodeThatIsLostFailsWithNoconnectionLongBeforeItsTimeout() throws Exception {
    ServerName name = ServerName.of("holding");
    startStore(a, name);
    Future<Object> pending = heldCall(name);
    long started = System.nanoTime();
    TestCluster.crash(a);
    CallException failure = callFailure(pending);
    assertEquals(CallFailure.SERVER_EXITED, failure.failure());
    assertEquals(Optional.of(ExitReason.NOCONNECTION), failure.reason());
    assertTrue(Await.millisSince(started) < TestCluster.DETECTION_MILLIS, "failed after " + Await.millisSince(started) + " ms");
  }

  @Test
  void aCallPendingOnANodeThatClosesFailsAtOnceWithTheServersShutdownOrTheNodesDeparture() throws Exception {
    ServerName name = ServerName.of("closing");
    startStore(a, name);
    Future<Object> pending = heldCall(name);
    long closing = System.nanoTime();
    cluster.close(a);
    CallException failure = callFailure(pending);
    assertEquals(CallFailure.SERVER_EXITED, failure.failure());
    // A stops its servers first, and says so; whether that answer or the news that A left reaches B
    // first is the two channels' business, and either way the caller is not left to its timeout.
    ExitReason reason = failure.reason().orElseThrow();
    assertTrue(reason.equals(ExitReason.shutdown()) || reason.equals(ExitReason.NOCONNECTION), failure.getMessage());
    assertTrue(Await.millisSince(closing) < TestCluster.DETECTION_MILLIS, "failed after " + Await.millisSince(closing) + " ms");
  }

  private static CallException callFailure(Future<?> future) throws Exception {
    try {
      future.await(TestCluster.DETECTION_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof CallException call) {
        return call;
      }
      throw e;
    }
    throw new AssertionError("the call succeeded: " + future.result());
  }

  @Test
  void aMonitorOfAServerOnANodeThatIsLostIsToldNoconnection() {
    ServerRef store = startStore(a, ServerName.of("watched"));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(b, store, downs::add);
    Await.until(() -> GenServer.stats(a).monitors() == 1, "A keeps the monitor for B");
    long started = System.nanoTime();
    TestCluster.crash(a);
    Down down = Await.next(downs);
    assertEquals(ExitReason.NOCONNECTION, down.reason());
    assertEquals(store, down.server());
    assertTrue(Await.millisSince(started) < TestCluster.DETECTION_MILLIS, "told after " + Await.millisSince(started) + " ms");
  }
}
