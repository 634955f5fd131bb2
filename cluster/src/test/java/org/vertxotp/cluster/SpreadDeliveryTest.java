package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;

/**
 * A delivery service whose workers are spread over the members: any node enqueues, every member
 * runs its share, a member that joins takes its share, and the workers of a member that is lost
 * start on the others, from the store.
 */
class SpreadDeliveryTest extends OnTestCluster {

  private static final int DESTINATIONS = Spread.DESTINATIONS;

  private static List<Vertx> settled(List<Vertx> nodes) {
    Await.until(() -> TestCluster.hazelcast(nodes.get(0)).getPartitionService().isClusterSafe(), "the partitions settled");
    return nodes;
  }

  /** Waits until every node's placement counts every node's part: each places some destination on each. */
  private static void partsSeen(List<Vertx> nodes) {
    for (Vertx from : nodes) {
      var placement = Await.result(org.vertxotp.cluster.delivery.HazelcastPlacement.of(from));
      for (Vertx on : nodes) {
        Await.until(() -> java.util.stream.IntStream.range(0, DESTINATIONS).anyMatch(d ->
            placement.nodeOf(Spread.NAME, "d" + d).orElse("").equals(TestCluster.id(on))), "the part on each node is counted");
      }
    }
  }

  private static void enqueueFromEach(List<Vertx> nodes, List<DeliveryService> services, Spread.Inbox inbox, Duration delay) {
    List<Future<Boolean>> accepted = new ArrayList<>();
    for (int d = 0; d < DESTINATIONS; d++) {
      int from = d % nodes.size();
      Delivery delivery = new Delivery("id-" + d, inbox.target(d), new JsonObject().put("d", d));
      accepted.add(services.get(from).enqueue(delivery, delay));
    }
    for (Future<Boolean> one : accepted) {
      assertEquals(true, Await.result(one), "accepted as new");
    }
  }

  @Test
  void deliveriesEnqueuedFromEveryNodeReachTheInboxOnceAndEveryMemberRunsItsShare() {
    List<Vertx> nodes = settled(List.of(cluster.node(), cluster.node(), cluster.node()));
    List<DeliveryService> services = nodes.stream().map(node -> Await.result(Spread.start(node))).toList();
    partsSeen(nodes);
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0));

    enqueueFromEach(nodes, services, inbox, Duration.ZERO);

    Await.until(() -> inbox.seen.size() == DESTINATIONS, "every delivery reached the inbox", 60);
    assertEquals(0, inbox.twice(), "none twice");
    int total = 0;
    for (Vertx node : nodes) {
      int share = Spread.workersOn(node, DESTINATIONS);
      assertTrue(share >= 70 && share <= 130, "a member runs its share of 300 over 3: " + share);
      total += share;
    }
    assertEquals(DESTINATIONS, total, "each destination's worker runs on one member");
  }

  @Test
  void everyCallOfAWorkerOnAnotherMemberIsAnsweredThere() {
    List<Vertx> nodes = settled(List.of(cluster.node(), cluster.node()));
    List<DeliveryService> services = nodes.stream().map(node -> Await.result(Spread.start(node))).toList();
    partsSeen(nodes);
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0));
    Vertx a = nodes.get(0);
    int elsewhere = 0;
    while (isOn(a, elsewhere)) {
      elsewhere++; // to a destination placed on B
    }
    String target = inbox.target(elsewhere);
    Delivery later = new Delivery("later", target, new JsonObject().put("n", 1));
    assertEquals(true, Await.result(services.get(0).enqueue(later, Duration.ofHours(1))));
    assertEquals(false, Await.result(services.get(0).enqueue(later, Duration.ofHours(1))), "the same id again");
    var worker = services.get(0).workerFor(target);
    assertEquals(0, Spread.workersOn(a, DESTINATIONS), "the worker runs on B, not A");

    Optional<DeliveryStatus> status = Await.result(DeliveryWorker.status(a, worker, "later"));
    assertEquals("later", status.orElseThrow().id());
    assertEquals(Optional.empty(), Await.result(DeliveryWorker.status(a, worker, "nobody")));
    assertEquals(List.of("later"), Await.result(DeliveryWorker.pending(a, worker)).stream().map(DeliveryStatus::id).toList());
    DeliveryStats stats = Await.result(DeliveryWorker.stats(a, worker));
    assertEquals(1, stats.pending());
    Await.result(DeliveryWorker.flush(a, worker));
    Await.until(() -> inbox.seen.containsKey("later"), "the flushed delivery arrived");
    assertEquals(List.of(), Await.result(DeliveryWorker.deadLetters(a, worker)));
    assertEquals(false, Await.result(DeliveryWorker.cancel(a, worker, "later")), "delivered: nothing to cancel");
    assertEquals(0, Await.result(DeliveryWorker.redrive(a, worker, List.of(), 10.0)));
  }

  private static boolean isOn(Vertx node, int destination) {
    return org.vertxotp.genserver.spi.RemoteNodes.nodeId(node).equals(
        Await.result(org.vertxotp.cluster.delivery.HazelcastPlacement.of(node)).nodeOf(Spread.NAME, "d" + destination).orElse(""));
  }

  /**
   * How long each destination had no worker running on any member while its worker moved: sampled
   * every 10 ms from its start until {@link #report}, which prints the figures (a measure, not a
   * check: timing belongs in the benchmarks).
   */
  private static final class Unserved {
    private final java.util.concurrent.ScheduledExecutorService sampler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    private final long[] since = new long[DESTINATIONS];
    private final List<Long> gaps = java.util.Collections.synchronizedList(new ArrayList<>());

    Unserved(List<Vertx> nodes) {
      sampler.scheduleAtFixedRate(() -> {
        for (int d = 0; d < DESTINATIONS; d++) {
          org.vertxotp.genserver.ServerName name = org.vertxotp.genserver.ServerName.of(Spread.NAME + "/d" + d);
          boolean served = nodes.stream().anyMatch(node -> GenServer.whereisLocal(node, name).isPresent());
          if (!served && since[d] == 0) {
            since[d] = System.nanoTime();
          } else if (served && since[d] != 0) {
            gaps.add((System.nanoTime() - since[d]) / 1_000_000);
            since[d] = 0;
          }
        }
      }, 0, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void report() {
      sampler.shutdownNow();
      List<Long> sorted = gaps.stream().sorted().toList();
      System.out.printf("moves: %d destinations went unserved while their worker moved; p50 %s ms, max %s ms%n",
          sorted.size(), sorted.isEmpty() ? "-" : sorted.get(sorted.size() / 2),
          sorted.isEmpty() ? "-" : sorted.get(sorted.size() - 1));
    }
  }

  @Test
  void aMemberThatJoinsTakesItsShareWithDueTimesIntactAndNothingArrivesTwice() {
    List<Vertx> two = settled(List.of(cluster.node(), cluster.node()));
    List<DeliveryService> services = new ArrayList<>(two.stream().map(node -> Await.result(Spread.start(node))).toList());
    partsSeen(two);
    Spread.Inbox inbox = new Spread.Inbox(two.get(0));
    enqueueFromEach(two, services, inbox, Spread.LATE); // waiting, not in flight, when the share moves
    java.util.Map<Integer, Long> due = new java.util.HashMap<>();
    for (int d = 0; d < DESTINATIONS; d++) {
      due.put(d, Await.result(DeliveryWorker.status(two.get(0), services.get(0).workerFor(inbox.target(d)), "id-" + d))
          .orElseThrow().dueMillis());
    }

    Vertx c = cluster.node();
    List<Vertx> three = settled(List.of(two.get(0), two.get(1), c));
    Unserved unserved = new Unserved(three);
    services.add(Await.result(Spread.start(c)));
    partsSeen(three);
    Await.until(() -> Spread.workersOn(c, DESTINATIONS) >= 70, "the new member runs its share", 30);
    Await.until(() -> three.stream().mapToInt(node -> Spread.workersOn(node, DESTINATIONS)).sum() == DESTINATIONS,
        "each destination's worker runs on one member", 30);
    unserved.report();
    for (int d = 0; d < DESTINATIONS; d++) { // moved with their due times, untried
      int dd = d;
      var worker = services.get(0).workerFor(inbox.target(d));
      Await.until(() -> DeliveryWorker.status(two.get(0), worker, "id-" + dd).transform(
          answered -> Future.succeededFuture(answered.succeeded())).await(), "d" + d + "'s worker answers");
      DeliveryStatus status = Await.result(DeliveryWorker.status(two.get(0), worker, "id-" + d)).orElseThrow();
      assertEquals(due.get(d), status.dueMillis(), "id-" + d + "'s due time");
      assertEquals(0, status.attempts());
    }
    assertTrue(inbox.arrivals.isEmpty(), "nothing went before it was due");

    for (int d = 0; d < DESTINATIONS; d++) {
      Await.result(DeliveryWorker.flush(c, services.get(2).workerFor(inbox.target(d))));
    }
    Await.until(() -> inbox.seen.size() == DESTINATIONS, "every delivery reached the inbox", 60);
    assertEquals(0, inbox.twice(), "none twice: nothing was in flight at the move");
  }

  @Test
  void killingAMemberMidRunLosesNoAcceptedDeliveryAndOnlyThoseInFlightAtTheKillArriveTwice() throws Exception {
    List<Vertx> nodes = settled(List.of(cluster.node(), cluster.node()));
    List<DeliveryService> services = nodes.stream().map(node -> Await.result(Spread.start(node))).toList();
    partsSeen(nodes);
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0), 2_000); // a slow peer: attempts are in flight at the kill
    List<String> onC = new ArrayList<>();
    java.util.Map<String, Long> dueOnC = new java.util.HashMap<>();
    long killedAt;
    java.util.Set<String> openAtKill;
    try (NodeProcess c = new NodeProcess(cluster.name(), "spread", inbox.base() + ",200," + DESTINATIONS)) {
      String cId = c.awaitReady(); // it accepted its hundred destinations' deliveries
      settled(nodes);
      Await.until(() -> java.util.stream.IntStream.range(0, DESTINATIONS).anyMatch(d -> Await.result(
          org.vertxotp.cluster.delivery.HazelcastPlacement.of(nodes.get(0))).nodeOf(Spread.NAME, "d" + d).orElse("")
          .equals(cId)), "C's part is counted");
      List<Future<Boolean>> accepted = new ArrayList<>();
      for (int d = 0; d < 200; d++) {
        for (Delivery delivery : Spread.deliveries(inbox.base(), d)) {
          accepted.add(services.get(d % 2).enqueue(delivery, Spread.dueIn(delivery)));
        }
      }
      accepted.forEach(one -> assertEquals(true, Await.result(one)));
      var placement = Await.result(org.vertxotp.cluster.delivery.HazelcastPlacement.of(nodes.get(0)));
      for (int d = 0; d < DESTINATIONS; d++) {
        if (placement.nodeOf(Spread.NAME, "d" + d).orElse("").equals(cId)) {
          onC.add("id-" + d);
        }
      }
      assertTrue(onC.size() >= 70 && onC.size() <= 130, "C runs its share: " + onC.size());
      Await.until(() -> onC.stream().filter(inbox.open::contains).count() >= 10, "C is sending some");
      for (String id : onC) {
        String late = id.replace("id-", "late-");
        dueOnC.put(late, Await.result(DeliveryWorker.status(nodes.get(0), services.get(0).workerFor(
            inbox.target(Integer.parseInt(id.substring(3)))), late)).orElseThrow().dueMillis());
      }
      assertEquals(List.of(), c.severeLines(), "the node logged no error before it was killed");
      c.kill();
      killedAt = System.nanoTime();
      openAtKill = java.util.Set.copyOf(inbox.open);
    }
    // Enqueues to C's share, one after another from the kill until a survivor runs it (bounded):
    // each is acknowledged once stored, or fails with a typed error; none acknowledged is lost.
    java.util.Set<String> acceptedDuring = new java.util.HashSet<>();
    int failedDuring = 0;
    long enqueuesUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int n = 0; acceptedDuring.size() < 10 && System.nanoTime() < enqueuesUntil; n++) {
      int d = Integer.parseInt(onC.get(n % onC.size()).substring(3));
      Future<Boolean> enqueued = services.get(n % 2).enqueue(new Delivery("during-" + n, inbox.target(d), new JsonObject()));
      TestCluster.slowly(enqueued.transform(done -> Future.succeededFuture())); // done, either way
      if (enqueued.succeeded()) {
        assertEquals(true, enqueued.result());
        acceptedDuring.add("during-" + n);
      } else {
        assertTrue(enqueued.cause() instanceof org.vertxotp.genserver.CallException
            || enqueued.cause() instanceof org.vertxotp.delivery.NotStoredException, "a typed failure: " + enqueued.cause());
        failedDuring++;
      }
    }
    assertEquals(10, acceptedDuring.size(), "enqueues to the lost node's share are acknowledged again once a survivor runs it");
    Await.until(() -> inbox.seen.keySet().stream().filter(id -> id.startsWith("id-")).count() == DESTINATIONS,
        "every delivery due now reached the inbox", (int) (TestCluster.DETECTION_MILLIS / 1000) + 60);
    for (var late : dueOnC.entrySet()) { // the survivors took C's waiting deliveries over as they were
      int d = Integer.parseInt(late.getKey().substring(5));
      var worker = services.get(d % 2).workerFor(inbox.target(d));
      // Asked by name: until a survivor runs it, the name may still be the lost node's worker's.
      Await.until(() -> DeliveryWorker.status(nodes.get(d % 2), worker, late.getKey()).transform(
          answered -> Future.succeededFuture(answered.succeeded())).await(), late.getKey() + " is answered for");
      DeliveryStatus status = Await.result(DeliveryWorker.status(nodes.get(d % 2), worker, late.getKey())).orElseThrow();
      assertEquals(late.getValue(), status.dueMillis(), late.getKey() + "'s due time intact");
      assertEquals(0, status.attempts(), late.getKey() + " not tried yet");
    }
    assertTrue(inbox.seen.keySet().stream().noneMatch(id -> id.startsWith("late-")), "nothing went before it was due");
    for (int d = 0; d < DESTINATIONS; d++) {
      Await.result(DeliveryWorker.flush(nodes.get(d % 2), services.get(d % 2).workerFor(inbox.target(d))));
    }
    Await.until(() -> inbox.seen.keySet().containsAll(acceptedDuring) && inbox.seen.keySet().stream()
        .filter(id -> !id.startsWith("during-")).count() == 2 * DESTINATIONS, "every accepted delivery reached the inbox", 60);
    // In flight at the kill: requests the peer had not answered, and those answered just before it,
    // whose removal from the store the killed node may not have had acknowledged.
    List<String> twice = inbox.seen.entrySet().stream().filter(e -> e.getValue().get() > 1).map(java.util.Map.Entry::getKey)
        .sorted().toList();
    for (String id : twice) {
      boolean wasOpen = openAtKill.contains(id);
      boolean justAnswered = inbox.answeredAt.containsKey(id) && killedAt - inbox.answeredAt.get(id) < 3_000_000_000L;
      assertTrue(wasOpen || justAnswered, id + " arrived twice but was not in flight at the kill: " + twice);
      assertEquals(2, inbox.seen.get(id).get(), id + " at most twice");
    }
    assertTrue(twice.stream().noneMatch(id -> id.startsWith("late-")), "nothing that was waiting at the kill twice: " + twice);
    assertTrue(twice.size() >= 1, "the test killed C with attempts in flight: " + openAtKill);
    long firstTakenOver = inbox.arrivals.stream().filter(a -> onC.contains(a.id()) && a.atNanos() > killedAt
        && nodes.stream().map(TestCluster::id).anyMatch(id -> id.equals(a.node())))
        .mapToLong(a -> (a.atNanos() - killedAt) / 1_000_000).min().orElse(-1);
    System.out.printf("killed with %d of C's requests open; %d arrived twice; the first of C's share from a survivor"
        + " %d ms after the kill; enqueues to its share after the kill: %d failed typed before %d were acknowledged"
        + " (and delivered)%n", onC.stream().filter(openAtKill::contains).count(), twice.size(), firstTakenOver,
        failedDuring, acceptedDuring.size());
    assertEquals(DESTINATIONS, nodes.stream().mapToInt(node -> Spread.workersOn(node, DESTINATIONS)).sum(),
        "the survivors run every destination");
  }

  @Test
  void aPlainClusteredVertxProgramEnqueuesInTheJsonWireFormat() {
    List<Vertx> nodes = settled(List.of(cluster.node(), cluster.node()));
    nodes.forEach(node -> Await.result(Spread.start(node)));
    partsSeen(nodes);
    Vertx plain = cluster.plainNode();
    Spread.Inbox inbox = new Spread.Inbox(nodes.get(0));
    String address = org.vertxotp.delivery.DeliveryWireFormat.address(Spread.NAME);
    Await.until(() -> Await.result(org.vertxotp.genserver.GenServer.whereis(nodes.get(0),
        org.vertxotp.genserver.ServerName.of(Spread.NAME + "@" + TestCluster.id(nodes.get(1))))).isPresent(), "B's part runs");

    for (int d = 0; d < 20; d++) { // the event bus hands them to either node; each enqueues where d belongs
      JsonObject enqueue = new JsonObject().put("id", "plain-" + d).put("target", inbox.target(d)).put("payload",
          new JsonObject().put("d", d));
      assertEquals(new JsonObject().put("accepted", true), Await.result(plain.eventBus().request(address, enqueue)).body());
    }
    JsonObject later = new JsonObject().put("id", "later").put("target", inbox.target(1)).put("payload", new JsonObject())
        .put("delayMillis", 3_600_000);
    assertEquals(new JsonObject().put("accepted", true), Await.result(plain.eventBus().request(address, later)).body());
    assertEquals(new JsonObject().put("accepted", false), Await.result(plain.eventBus().request(address, later)).body(),
        "the same id again while it is pending");
    Await.until(() -> inbox.seen.size() == 20, "every plain enqueue reached the inbox");
    assertEquals(0, inbox.twice());

    var refused = org.junit.jupiter.api.Assertions.assertInstanceOf(io.vertx.core.eventbus.ReplyException.class,
        Await.failure(plain.eventBus().request(address, new JsonObject().put("id", "x").put("target", inbox.target(1)))));
    assertEquals(org.vertxotp.delivery.DeliveryWireFormat.BAD_REQUEST, refused.failureCode());
    assertEquals("\"payload\" must be a JSON object", refused.getMessage());
    // A plain Vert.x member's leave races with a map operation of its own still on its way (Vert.x's
    // or Hazelcast's, not the toolkit's: the toolkit's nodes never log it), which a member that has
    // already seen it leave refuses at SEVERE.
    org.vertxotp.genserver.TestLogs.allow("caller: " + TestCluster.hazelcast(plain).getCluster().getLocalMember().getAddress());
    cluster.close(plain);
  }
}
