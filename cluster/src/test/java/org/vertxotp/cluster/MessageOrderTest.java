package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vertxotp.cluster.impl.Members;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * The messages of one sender to one server arrive in the order sent, by name or by ref, while
 * members join and leave; a name is routed by the node's copy of the table, without waiting on a
 * member that cannot answer.
 */
class MessageOrderTest extends OnTestCluster {

  private static final int MESSAGES = 10_000;
  private static final int PER_ROUND = 50;

  @Test
  void oneSendersMessagesByNameAndByRefInterleavedArriveInOrderWhileMembersJoinAndLeave() throws Exception {
    Vertx a = cluster.node();
    Vertx b = cluster.node(new VertxOptions().setEventLoopPoolSize(1));
    ServerName name = ServerName.of("sink");
    BlockingQueue<Object> infos = new LinkedBlockingQueue<>();
    ServerRef sink = Await.result(GenServer.start(a, new Store(), infos, new StartOptions().setName(name)));
    HazelcastNameRegistry namesOnB = HazelcastNameRegistry.installedOn(b);

    // A member joins and another leaves while the messages flow.
    CompletableFuture<Void> churn = CompletableFuture.runAsync(() -> {
      Vertx joining = cluster.node();
      TestCluster.slowly(joining.close());
      cluster.node();
    });
    Context sender = b.getOrCreateContext();
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    sender.runOnContext(v -> b.setPeriodic(0, 20, timer -> {
      // Each round makes the next message by name read the table, while those by ref behind it could go at once.
      namesOnB.holderGone(name, sink);
      for (int i = 0; i < PER_ROUND && next.get() < MESSAGES; i++) {
        int n = next.getAndIncrement();
        GenServer.send(b, n % 2 == 0 ? name : sink, n);
      }
      if (next.get() >= MESSAGES && churn.isDone()) {
        b.cancelTimer(timer);
        sent.complete(null);
      }
    }));
    List<Object> arrived = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (arrived.size() < MESSAGES && System.nanoTime() < deadline) {
      Object info = infos.poll(1, TimeUnit.SECONDS);
      if (info != null) {
        arrived.add(info);
      }
    }
    sent.get(60, TimeUnit.SECONDS);
    churn.get(60, TimeUnit.SECONDS);
    assertEquals(MESSAGES, arrived.size(), "every message arrived");
    for (int i = 0; i < MESSAGES; i++) {
      assertEquals(i, arrived.get(i), "message " + i + " arrived out of order: " + arrived.subList(Math.max(0, i - 5),
          Math.min(MESSAGES, i + 5)));
    }
  }

  @Test
  void aCallByNameIsRoutedByTheNodesCopyWhileTheMemberThatOwnsTheNameIsPaused() throws Exception {
    Vertx a = cluster.node();
    Vertx b = cluster.node();
    Store.register(MessageTypes.of(a));
    Store.register(MessageTypes.of(b));
    try (NodeProcess c = new NodeProcess(cluster.name())) {
      String nodeC = c.awaitReady();
      HazelcastInstance hazelcast = TestCluster.hazelcast(b);
      Await.until(() -> hazelcast.getPartitionService().isClusterSafe(), "the partitions settle", 60);
      ServerName name = null;
      for (int i = 0; name == null && i < 10_000; i++) {
        String candidate = "owned-by-c-" + i;
        if (Members.nodeId(hazelcast.getPartitionService().getPartition(candidate).getOwner()).equals(nodeC)) {
          name = ServerName.of(candidate);
        }
      }
      assertTrue(name != null, "a name whose partition the paused member owns");
      ServerName owned = name;
      ServerRef onA = Await.result(GenServer.start(a, new Store(), new LinkedBlockingQueue<>(),
          new StartOptions().setName(owned)));
      HazelcastNameRegistry namesOnB = HazelcastNameRegistry.installedOn(b);
      Await.until(() -> namesOnB.lastKnownHolder(owned).isPresent(), "B's copy of the table has the name");
      // Vert.x's own lookups (where A's address is, how to connect to A and back) are cached after a first call.
      assertEquals("ok", Await.result(GenServer.call(b, onA, new Store.Put("k", 0))));

      c.pause();
      assertEquals("ok", GenServer.call(b, owned, new Store.Put("k", 1), Duration.ofSeconds(60))
          .await(60, TimeUnit.SECONDS));
      assertTrue(hazelcast.getCluster().getMembers().stream().anyMatch(m -> Members.nodeId(m).equals(nodeC)),
          "answered while the paused member was still one: nothing waited on it");
      c.kill();
    }
  }
}
