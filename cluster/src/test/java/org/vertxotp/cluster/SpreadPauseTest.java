package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.cluster.impl.NodeLease;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.genserver.Await;

/**
 * A member that runs a share of a spread delivery service is paused (SIGSTOP) for longer than its
 * lease and the cluster's detection time: the others take its share over, and once it resumes
 * (SIGCONT) it sends nothing more, and stops its workers.
 */
class SpreadPauseTest extends OnTestCluster {

  private static final int DESTINATIONS = Spread.DESTINATIONS;
  /** Past the detection time (5 s here) and the quarantine after it: the others run the paused node's share. */
  private static final long PAUSE_MILLIS = TestCluster.DETECTION_MILLIS;

  @Test
  void aMemberPausedPastItsLeaseSendsNothingOnceItResumesAndOnlyWhatWasInFlightArrivesTwice() throws Exception {
    List<Vertx> nodes = List.of(cluster.node(), cluster.node());
    Await.until(() -> TestCluster.hazelcast(nodes.get(0)).getPartitionService().isClusterSafe(), "the partitions settled");
    List<DeliveryService> services = nodes.stream().map(node -> Await.result(Spread.start(node))).toList();
    // A slow peer (attempts are in flight at the pause) that is busy for some deliveries at first:
    // their retries are due while C stands still, and would go out once it runs again.
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0), 1_000, 2);
    HazelcastPlacement placement = Await.result(HazelcastPlacement.of(nodes.get(0)));
    Set<String> openAtPause;
    Map<String, Long> answeredBeforePause;
    long resumedAt;
    long pausedAt;
    String cId;
    try (NodeProcess c = new NodeProcess(cluster.name(), "spread", inbox.base() + ",200," + DESTINATIONS)) {
      cId = c.awaitReady();
      String on = cId;
      Await.until(() -> java.util.stream.IntStream.range(0, DESTINATIONS)
          .anyMatch(d -> placement.nodeOf(Spread.NAME, "d" + d).orElse("").equals(on)), "C's part is counted");
      List<Future<Boolean>> accepted = new ArrayList<>();
      for (int d = 0; d < 200; d++) {
        for (Delivery delivery : Spread.deliveries(inbox.base(), d)) {
          accepted.add(services.get(d % 2).enqueue(delivery, Spread.dueIn(delivery)));
        }
      }
      accepted.forEach(one -> assertEquals(true, Await.result(one)));
      Await.until(() -> inbox.arrivals.stream().filter(a -> on.equals(a.node())).count() >= 10
          && !fromNode(inbox, on, inbox.open).isEmpty(), "C is sending");

      c.pause();
      pausedAt = System.nanoTime();
      openAtPause = fromNode(inbox, on, Set.copyOf(inbox.open));
      answeredBeforePause = Map.copyOf(inbox.answeredAt);
      Thread.sleep(PAUSE_MILLIS);
      c.resume();
      resumedAt = System.nanoTime();

      // Nothing new from C. A request of it may still arrive after the resume if it was on its way
      // out at the pause (written to the socket once C runs again); but none is a second attempt
      // of a delivery C had tried before: that would be one decided after the resume.
      Thread.sleep(3_000);
      List<String> retriedAfter = inbox.arrivals.stream()
          .filter(a -> on.equals(a.node()) && a.atNanos() > resumedAt)
          .filter(a -> inbox.arrivals.stream().anyMatch(b -> on.equals(b.node()) && b.id().equals(a.id())
              && b.atNanos() < pausedAt))
          .map(Spread.Inbox.Arrival::id).toList();
      assertEquals(List.of(), retriedAfter, "attempts the resumed node made");
      List<NodeProcess.Count> counts = c.workers();
      NodeProcess.Count last = counts.get(counts.size() - 1);
      assertEquals(0, last.value(), "the resumed node runs no worker: " + counts);
      long leaseNanos = NodeLease.DEFAULT_LEASE.toNanos();
      assertTrue(counts.stream().anyMatch(n -> n.value() == 0 && n.atNanos() > resumedAt && n.atNanos() - resumedAt < leaseNanos),
          "its workers stopped within a lease of the resume: " + counts.stream()
              .map(n -> n.value() + "@" + (n.atNanos() - resumedAt) / 1_000_000 + "ms").toList());
      assertEquals(List.of(), c.severeLines(), "the node logged no error");
    }

    Await.until(() -> inbox.seen.keySet().stream().filter(id -> id.startsWith("id-")).count() == DESTINATIONS,
        "every delivery due now reached the inbox", 60);
    for (int d = 0; d < DESTINATIONS; d++) {
      int dd = d;
      var worker = services.get(d % 2).workerFor(inbox.target(d));
      Await.until(() -> DeliveryWorker.flush(nodes.get(dd % 2), worker).transform(
          done -> Future.succeededFuture(done.succeeded())).await(), "d" + d + "'s worker runs");
    }
    Await.until(() -> inbox.seen.size() == 2 * DESTINATIONS, "every accepted delivery reached the inbox", 60);
    List<String> twice = inbox.seen.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey)
        .sorted().toList();
    // In flight at the pause: requests from C the peer had not answered, or not even received yet
    // (on the wire: they arrive while C stands still), and those answered just before it, whose
    // removal from the store C may not have had acknowledged.
    Set<String> onTheWire = new java.util.HashSet<>();
    for (Spread.Inbox.Arrival arrival : inbox.arrivals) {
      if (cId.equals(arrival.node()) && arrival.atNanos() > pausedAt) {
        onTheWire.add(arrival.id());
      }
    }
    for (String id : twice) {
      boolean wasOpen = openAtPause.contains(id) || onTheWire.contains(id);
      Long answered = answeredBeforePause.get(id);
      boolean justAnswered = answered != null && pausedAt - answered < 3_000_000_000L;
      assertTrue(wasOpen || justAnswered, id + " arrived twice but was not in flight at the pause: " + twice);
      assertEquals(2, inbox.seen.get(id).get(), id + " at most twice");
    }
    System.out.printf("paused with %d of C's requests open and %d on the wire; %d arrived twice%n", openAtPause.size(),
        onTheWire.size(), twice.size());
  }

  /** Of {@code ids}, those whose last request came from {@code node}. */
  private static Set<String> fromNode(Spread.Inbox inbox, String node, Set<String> ids) {
    Set<String> from = new java.util.HashSet<>();
    for (Spread.Inbox.Arrival arrival : inbox.arrivals) {
      if (ids.contains(arrival.id())) {
        if (node.equals(arrival.node())) {
          from.add(arrival.id());
        } else {
          from.remove(arrival.id());
        }
      }
    }
    return from;
  }
}
