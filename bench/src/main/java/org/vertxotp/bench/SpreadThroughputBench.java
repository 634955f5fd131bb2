package org.vertxotp.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.vertxotp.cluster.GenServerCluster;
import org.vertxotp.cluster.delivery.HazelcastDeliveryStore;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * Deliveries per second of a delivery service spread over three members beside the same service
 * on one member, in the same run, against local inboxes (one destination each, in the measuring
 * process). Every delivery is enqueued from the measuring node, stored with its backup, sent and
 * answered 202 (its removal from the store follows); a round ends when every inbox has answered
 * its share. The rounds alternate: one member, three (two more
 * JVMs join and run their parts), one again once they left. On this 2-core machine the three
 * members share the two cores, so the figure to read is what three lose against one, not a
 * speed-up.
 */
public final class SpreadThroughputBench {

  static final String SERVICE = "bench-spread";
  static final int DESTINATIONS = 30;
  static final int PER_ROUND = 6_000;
  /** Rounds for the JVMs that join to compile what they run: fresh JVMs on two shared cores are slow at first. */
  static final int WARM_UP_ROUNDS = Integer.getInteger("bench.spreadWarmUps", 6);

  private SpreadThroughputBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("serve")) {
      ServerNode.serve(args[1], vertx -> part(vertx).await(60, TimeUnit.SECONDS));
    } else {
      run();
    }
  }

  static Future<DeliveryService> part(Vertx vertx) {
    return HazelcastDeliveryStore.of(vertx).compose(store -> HazelcastPlacement.of(vertx).compose(placement ->
        DeliveryService.start(vertx, SERVICE, new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1")),
            new DeliveryWorkerOptions().setStore(store).setPlacement(placement).setMaxConcurrency(8))));
  }

  static void run() throws Exception {
    String cluster = "bench-" + UUID.randomUUID();
    Vertx vertx = GenServerCluster.start(new VertxOptions(), ClusterCallBench.config(cluster)).await(60, TimeUnit.SECONDS);
    List<InboxPeer> peers = new ArrayList<>();
    try {
      for (int i = 0; i < DESTINATIONS; i++) {
        peers.add(InboxPeer.start(vertx));
      }
      DeliveryService service = part(vertx).await(60, TimeUnit.SECONDS);
      HazelcastPlacement placement = HazelcastPlacement.of(vertx).await(30, TimeUnit.SECONDS);
      long[] sent = {0};
      for (int i = 0; i < WARM_UP_ROUNDS; i++) {
        System.out.printf("one member, warm-up: %.0f /s%n", round(service, peers, sent));
      }
      double oneBefore = round(service, peers, sent);
      double three;
      List<Process> others = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          others.add(ServerNode.spawn(SpreadThroughputBench.class, cluster));
        }
        awaitParts(placement, peers, 3);
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
          System.out.printf("three members, warm-up: %.0f /s%n", round(service, peers, sent)); // the new JVMs warm up
        }
        three = round(service, peers, sent);
      } finally {
        for (Process other : others) {
          ServerNode.end(other);
        }
      }
      awaitParts(placement, peers, 1);
      double oneAfter = round(service, peers, sent);
      double one = (oneBefore + oneAfter) / 2;
      System.out.println();
      System.out.println("Deliveries per second, a service spread over three members beside one member (" + PER_ROUND
          + " deliveries to " + DESTINATIONS + " local inboxes a round, enqueued from one node, each stored with a backup,"
          + " sent and answered 202)");
      System.out.printf("%-36s %10.0f /s%n", "one member (before, after)", one);
      System.out.printf("%-36s %10s%n", "", String.format("%.0f, %.0f", oneBefore, oneAfter));
      System.out.printf("%-36s %10.0f /s%n", "three members", three);
      System.out.printf("%-36s %10.2f%n", "three/one", three / one);
    } finally {
      peers.forEach(InboxPeer::close);
      vertx.close().await(60, TimeUnit.SECONDS);
    }
  }

  /** Waits until the destinations are placed over {@code parts} parts, as this node counts them. */
  private static void awaitParts(HazelcastPlacement placement, List<InboxPeer> peers, int parts) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      java.util.Set<String> nodes = new java.util.HashSet<>();
      boolean everyPlaced = true;
      for (InboxPeer peer : peers) {
        java.util.Optional<String> node = placement.nodeOf(SERVICE, destination(peer));
        node.ifPresent(nodes::add);
        everyPlaced &= node.isPresent(); // none waits for a node that left to be out of its quarantine
      }
      if (everyPlaced && nodes.size() == parts) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the destinations were not placed over " + parts + " parts within 60 s");
  }

  private static String destination(InboxPeer peer) {
    java.net.URI uri = java.net.URI.create(peer.inbox());
    return uri.getHost() + ":" + uri.getPort();
  }

  /** Enqueues a round, waits until every inbox answered its share; deliveries per second. */
  private static double round(DeliveryService service, List<InboxPeer> peers, long[] sent) throws Exception {
    JsonObject payload = new JsonObject().put("type", "Create").put("object", "x".repeat(200));
    long started = System.nanoTime();
    List<Future<Boolean>> accepted = new ArrayList<>(PER_ROUND);
    for (int i = 0; i < PER_ROUND; i++) {
      int d = i % peers.size();
      accepted.add(service.enqueue(new Delivery("d" + sent[0]++, peers.get(d).inbox(), payload)));
      if (accepted.size() % 256 == 0) { // a bounded burst: enqueues in flight stay under a few hundred
        Future.all(accepted.subList(accepted.size() - 256, accepted.size())).await(60, TimeUnit.SECONDS);
      }
    }
    Future.all(accepted).await(60, TimeUnit.SECONDS);
    for (InboxPeer peer : peers) {
      peer.awaitAnswered(sent[0] / peers.size());
    }
    return PER_ROUND / ((System.nanoTime() - started) / 1e9);
  }
}
