package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.cluster.impl.NodeLease;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.genserver.Await;

/**
 * The others declare a paused member gone before its lease has lapsed (a lease longer than the
 * detection time): it resumes with its lease still valid and goes on sending its share for a
 * moment, so the others must not run that share until its lease has surely lapsed (1.5 leases
 * after they saw it leave). No destination is then served from two members at once (what it sent
 * may be sent again later: that is at least once, not twice at once).
 */
class SpreadQuarantineTest extends OnTestCluster {

  /** Usable for 90% of it, renewed every quarter: at the resume it is valid for another 1.3 s at least. */
  private static final long LEASE_MILLIS = 12_000;
  /** Past the detection time (5 s), short of the lease (usable for 10.8 s, at most 3 s of it gone at the pause). */
  private static final long PAUSE_MILLIS = 7_000;

  @Test
  void theOthersWaitOutAPausedMembersLeaseSoThatWhenItResumesWithItsLeaseValidNoDestinationIsServedFromTwoMembers()
      throws Exception {
    String before = System.getProperty(NodeLease.LEASE_PROPERTY);
    System.setProperty(NodeLease.LEASE_PROPERTY, Long.toString(LEASE_MILLIS)); // these nodes and C's process
    try {
      run();
    } finally {
      if (before == null) {
        System.clearProperty(NodeLease.LEASE_PROPERTY);
      } else {
        System.setProperty(NodeLease.LEASE_PROPERTY, before);
      }
    }
  }

  private void run() throws Exception {
    List<Vertx> nodes = List.of(cluster.node(), cluster.node());
    Await.until(() -> TestCluster.hazelcast(nodes.get(0)).getPartitionService().isClusterSafe(), "the partitions settled");
    List<DeliveryService> services = nodes.stream().map(node -> Await.result(Spread.start(node))).toList();
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0));
    HazelcastPlacement placement = Await.result(HazelcastPlacement.of(nodes.get(0)));
    long resumedAt;
    String cId;
    List<Integer> onC = new ArrayList<>();
    try (NodeProcess c = new NodeProcess(Map.of(), cluster.name(), "spread", inbox.base() + ",0,0")) {
      cId = c.awaitReady();
      String on = cId;
      Await.until(() -> java.util.stream.IntStream.range(0, Spread.DESTINATIONS)
          .anyMatch(d -> placement.nodeOf(Spread.NAME, "d" + d).orElse("").equals(on)), "C's part is counted");
      for (int d = 0; d < Spread.DESTINATIONS; d++) {
        if (placement.nodeOf(Spread.NAME, "d" + d).orElse("").equals(cId)) {
          onC.add(d);
        }
      }
      // Due a little after the resume, on C's destinations: C sends them while its lease is still valid.
      long pausedAt = System.nanoTime() + 200_000_000L;
      List<Future<Boolean>> accepted = new ArrayList<>();
      for (int d : onC) {
        for (int k = 0; k < 3; k++) {
          long dueNanos = pausedAt + Duration.ofMillis(PAUSE_MILLIS + 300 + 100L * k).toNanos();
          accepted.add(services.get(d % 2).enqueue(new Delivery("w-" + d + "-" + k, inbox.target(d),
              new JsonObject().put("d", d)), Duration.ofNanos(dueNanos - System.nanoTime())));
        }
      }
      accepted.forEach(one -> assertEquals(true, Await.result(one)));
      Thread.sleep(Math.max(0, (pausedAt - System.nanoTime()) / 1_000_000));
      c.pause();
      Thread.sleep(PAUSE_MILLIS);
      c.resume();
      resumedAt = System.nanoTime();
      Await.until(() -> inbox.seen.keySet().stream().filter(id -> id.startsWith("w-")).count() == 3L * onC.size(),
          "every delivery due after the resume reached the inbox", 60);
      assertEquals(List.of(), c.severeLines(), "the node logged no error");
    }

    // C went on with its share while its lease lasted: the test shows something only if it did.
    long fromCAfterResume = inbox.arrivals.stream().filter(a -> cId.equals(a.node()) && a.atNanos() > resumedAt).count();
    assertTrue(fromCAfterResume > 0, "C sent after it resumed, its lease still valid");
    // Per destination of C's: every request from C came before the first from a survivor.
    Map<String, Long> lastFromC = new HashMap<>();
    Map<String, Long> firstFromOthers = new HashMap<>();
    for (Spread.Inbox.Arrival arrival : inbox.arrivals) {
      if (!arrival.id().startsWith("w-")) {
        continue;
      }
      String destination = arrival.id().substring(0, arrival.id().lastIndexOf('-'));
      if (cId.equals(arrival.node())) {
        lastFromC.merge(destination, arrival.atNanos(), Math::max);
      } else {
        firstFromOthers.merge(destination, arrival.atNanos(), Math::min);
      }
    }
    List<String> servedTwice = new ArrayList<>();
    lastFromC.forEach((destination, last) -> {
      Long first = firstFromOthers.get(destination);
      if (first != null && first < last) {
        servedTwice.add(destination + ": a survivor " + (last - first) / 1_000_000 + " ms before C's last");
      }
    });
    assertEquals(List.of(), servedTwice, "destinations served from C and a survivor at once");
    // What C sent then may arrive again from a survivor later: cut off, C's removals from the store were its own.
    System.out.printf("C sent %d requests after it resumed with its lease valid; %d arrived again later from a survivor%n",
        fromCAfterResume, inbox.twice());
  }
}
