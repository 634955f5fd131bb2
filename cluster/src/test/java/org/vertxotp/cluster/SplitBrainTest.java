package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * Two nodes that formed two clusters of one name, each registering the same name, then merge (as
 * a split brain heals): one holder is kept, the other is stopped with a name conflict.
 */
class SplitBrainTest extends OnTestCluster {




  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A member on {@code port} that looks for members only on {@code others}: it merges with what it finds later. */
  private Config member(int port, int... others) {
    Config config = cluster.config();
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "1");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "1");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    var tcp = config.getNetworkConfig().getJoin().getTcpIpConfig().clear();
    for (int other : others) {
      tcp.addMember("127.0.0.1:" + other);
    }
    return config;
  }

  @Test
  void whenTwoSidesThatEachGaveOutANameMergeOneHolderIsKeptAndTheOtherStopsWithANameConflict() throws Exception {
    int portA = freePort();
    int portB = freePort();
    Vertx a = cluster.node(new VertxOptions(), member(portA, portA, portB)); // B is not up yet: A is alone
    Vertx b = cluster.node(new VertxOptions(), member(portB, portB)); // B never looks for A: alone too
    ServerName name = ServerName.of("contested");
    ServerRef onA = Await.result(GenServer.start(a, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
    ServerRef onB = Await.result(GenServer.start(b, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(a, onA, downs::add);
    Monitors.monitor(b, onB, downs::add);

    // A's merge check finds B's cluster on B's port; the two become one.
    Down down = Await.next(downsWithin(downs));
    NameConflict conflict = (NameConflict) assertInstanceOf(ExitReason.Custom.class, down.reason()).term();
    ServerRef kept = conflict.kept();
    assertEquals(name, conflict.name());
    assertEquals(down.server(), conflict.lost());
    assertTrue(kept.equals(onA) ^ conflict.lost().equals(onA), "one of the two is kept: " + conflict);
    assertEquals(Optional.of(kept), Await.result(GenServer.whereis(a, name)));
    assertEquals(Optional.of(kept), Await.result(GenServer.whereis(b, name)));
    Await.nothingFor(downs, 500);
  }

  /** The Down of the loser may take the merge checks a few rounds: wait for it up to a minute. */
  private static BlockingQueue<Down> downsWithin(BlockingQueue<Down> downs) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (downs.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return downs;
  }
}
