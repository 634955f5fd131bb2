package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;

/** Peers that misbehave, fail, or come back, and a worker that keeps its promises with them. */
class HttpPeerBehaviourTest extends OnManualClock {

  private static final long SECOND = 1000;

  private int services;

  private DeliveryService service(HttpTransportOptions http, DeliveryWorkerOptions options) {
    return Await.result(DeliveryService.start(vertx, "outbox-" + services++, new HttpTransport(vertx, http),
        options.setRandom(() -> 0)));
  }

  private DeliveryService service() {
    return service(new HttpTransportOptions().allowAddress("127.0.0.1"), new DeliveryWorkerOptions());
  }

  private static Delivery delivery(String id, String target) {
    return new Delivery(id, target, new JsonObject().put("id", id));
  }

  private String lastFailure(DeliveryService service, String target, String id) {
    return Await.result(DeliveryWorker.status(vertx, service.workerFor(target), id)).orElseThrow().lastFailure().orElse("");
  }

  @Test
  void aRefusedConnectionAndAPeerThatSendsNoStatusLineAreBoundedByTheDeadlineAndRetried() {
    HttpServer closed = Await.result(vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1"));
    int nobody = closed.actualPort();
    Await.result(closed.close());
    Peer silent = Peer.start(vertx, n -> Peer.silent());
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1")
        .setRequestDeadline(Duration.ofSeconds(10)), new DeliveryWorkerOptions());

    String refused = "http://127.0.0.1:" + nobody + "/inbox";
    Await.result(service.enqueue(delivery("refused", refused)));
    until(service, refused, s -> s.retried() == 1, "a refused connection is retried");
    assertTrue(lastFailure(service, refused, "refused").startsWith("no answer"), lastFailure(service, refused, "refused"));

    Await.result(service.enqueue(delivery("slow", silent.inbox())));
    silent.next();
    until(service, silent.inbox(), s -> s.inFlight() == 1, "the attempt waits for its answer");
    clock.advance(Duration.ofSeconds(10).minusMillis(1));
    assertEquals(1, stats(service, silent.inbox()).inFlight(), "still within its deadline");
    clock.advance(Duration.ofMillis(1));
    until(service, silent.inbox(), s -> s.retried() == 1, "cut at the deadline, retried");
    assertTrue(lastFailure(service, silent.inbox(), "slow").contains("no answer within"), lastFailure(service, silent.inbox(), "slow"));
  }

  @Test
  void aFiftyMegabyteAnswerIsDeliveredWithoutReadingMoreThanTheCap() {
    Peer peer = Peer.start(vertx, n -> Peer.huge(50L * 1024 * 1024));
    DeliveryService service = service();
    long allocatedBefore = allocatedBytes();
    Await.result(service.enqueue(delivery("big", peer.inbox())));
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
    Await.until(() -> peer.open.get() == 0, "the connection was closed, not kept for reuse");
    long allocated = allocatedBytes() - allocatedBefore;
    // Every byte the client reads is copied once into the heap; a client that read the whole answer
    // would allocate its 50 MiB. This one stops at the cap (plus what one read loop takes in at once).
    assertTrue(allocated < HttpTransportOptions.DEFAULT_MAX_RESPONSE_BYTES + 8L * 1024 * 1024,
        "the heap took in only about the cap: " + allocated + " bytes allocated");
    assertTrue(peer.bodyBytesWritten.get() < 25L * 1024 * 1024,
        "the rest was not read: the peer could write only " + peer.bodyBytesWritten.get() + " bytes");
  }

  /** Heap allocated so far by every live thread of this JVM. */
  private static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, allocated);
    }
    return total;
  }

  @Test
  void addressesInsideAreRefusedBeforeAnyConnectionAndARedirectIsNotFollowed() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService guarded = service(new HttpTransportOptions(), new DeliveryWorkerOptions());
    int port = peer.port();
    List<String> inside = List.of("http://127.0.0.1:" + port + "/inbox", "http://[::1]:" + port + "/inbox",
        "http://10.0.0.1/inbox", "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]:" + port + "/inbox");
    for (String target : inside) {
      Await.result(guarded.enqueue(delivery("ssrf", target)));
      until(guarded, target, s -> s.deadLettered() == 1, target + " refused");
      DeadLetter letter = Await.result(DeliveryWorker.deadLetters(vertx, guarded.workerFor(target))).get(0);
      assertTrue(letter.reason().startsWith("refused to connect"), letter.reason());
      assertTrue(letter.reason().endsWith("allow it with HttpTransportOptions.allowAddress)"), "names the way out: " + letter.reason());
    }
    assertEquals(0, peer.accepted.get(), "no connection was made");
    Peer v6 = Peer.startOn(vertx, "::1", n -> Peer.status(202)); // null where this machine has no IPv6 loopback
    if (v6 != null) {
      String target = "http://[::1]:" + v6.port() + "/inbox";
      Await.result(guarded.enqueue(delivery("ssrf-v6", target)));
      until(guarded, target, s -> s.deadLettered() == 1, target + " refused");
      assertEquals(0, v6.accepted.get(), "no connection was made to ::1");
    }

    Peer elsewhere = Peer.start(vertx, n -> Peer.status(202));
    Peer redirecting = Peer.start(vertx, n -> Peer.status(302, "Location", elsewhere.inbox()));
    DeliveryService allowed = service(new HttpTransportOptions().allowAddress("127.0.0.1"), new DeliveryWorkerOptions());
    Await.result(allowed.enqueue(delivery("moved", redirecting.inbox())));
    until(allowed, redirecting.inbox(), s -> s.deadLettered() == 1, "a redirect is permanent");
    DeadLetter moved = Await.result(DeliveryWorker.deadLetters(vertx, allowed.workerFor(redirecting.inbox()))).get(0);
    assertTrue(moved.reason().contains(elsewhere.inbox()), moved.reason());
    assertEquals(0, elsewhere.accepted.get(), "the redirect was not followed");
  }

  @Test
  void afterTenFailuresNothingGoesToThatHostForTheCoolOffThenOneProbeAndOtherHostsAreUnaffected() {
    Peer failing = Peer.start(vertx, n -> Peer.status(503));
    Peer healthy = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service();
    for (int i = 0; i < 10; i++) {
      Await.result(service.enqueue(delivery("a" + i, failing.inbox())));
    }
    until(service, failing.inbox(), DeliveryStats::breakerOpen, "the breaker opened");
    int seenBefore = failing.seen.size();
    assertEquals(10, seenBefore);
    Await.result(service.enqueue(delivery("b", healthy.inbox())));
    until(service, healthy.inbox(), s -> s.delivered() == 1, "the other host is unaffected");
    clock.advance(Duration.ofSeconds(59)); // the retries fall due at 30 s: held back
    nothingSent(service, failing, seenBefore, "no connection during the cool-off");
    clock.advance(Duration.ofSeconds(1));
    Await.until(() -> failing.seen.size() == seenBefore + 1, "one probe");
    until(service, failing.inbox(), s -> s.inFlight() == 0, "the probe's answer");
    assertEquals(seenBefore + 1, failing.seen.size(), "exactly one probe");
    assertTrue(stats(service, failing.inbox()).breakerOpen(), "the probe failed: open again");
  }

  @Test
  void aThousandQueuedBehindA503AreAllDeliveredExactlyOnceNeverMoreThanTheCapAtOnce() {
    AtomicBoolean back = new AtomicBoolean();
    Peer peer = Peer.start(vertx, n -> Peer.status(back.get() ? 202 : 503));
    Map<String, Integer> delivered = new HashMap<>();
    // The HTTP pool is far larger than the worker's cap: only the worker keeps to the cap.
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1").setMaxConnectionsPerHost(64),
        new DeliveryWorkerOptions());
    for (int i = 0; i < 1000; i++) {
      Await.result(service.enqueue(delivery("d" + i, peer.inbox())));
    }
    until(service, peer.inbox(), DeliveryStats::breakerOpen, "the peer is failing");
    back.set(true);
    clock.advance(Duration.ofSeconds(60));
    until(service, peer.inbox(), s -> s.delivered() == 1000, "all delivered");
    List<Peer.Seen> all = new ArrayList<>(peer.seen);
    for (Peer.Seen seen : all) {
      if (seen.atMillis() >= clock.currentTimeMillis() - 1) { // asked once it was back
        delivered.merge(seen.header("idempotency-key"), 1, Integer::sum);
      }
    }
    assertEquals(1000, delivered.size());
    assertTrue(delivered.values().stream().allMatch(n -> n == 1), "each once");
    assertTrue(peer.mostAnswering.get() <= DeliveryWorkerOptions.DEFAULT_MAX_CONCURRENCY,
        "at most the cap in flight at once: " + peer.mostAnswering.get());
    assertTrue(peer.mostOpen.get() <= DeliveryWorkerOptions.DEFAULT_MAX_CONCURRENCY, "and as many connections: " + peer.mostOpen.get());
  }

  @Test
  void dueDeliveriesGoInEnqueueOrderAndCancelLeavesNoTimerAndAReEnqueueStartsAfresh() {
    Peer peer = Peer.start(vertx, n -> Peer.status(n < 3 ? 202 : 500));
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1"),
        new DeliveryWorkerOptions().setMaxConcurrency(1));
    for (String id : List.of("first", "second", "third")) {
      Await.result(service.enqueue(delivery(id, peer.inbox())));
    }
    assertEquals(List.of("first", "second", "third"),
        List.of(peer.next().header("idempotency-key"), peer.next().header("idempotency-key"), peer.next().header("idempotency-key")));
    until(service, peer.inbox(), s -> s.delivered() == 3, "delivered");

    Await.result(service.enqueue(delivery("x", peer.inbox())));
    peer.next();
    until(service, peer.inbox(), s -> s.retried() == 1, "x retries");
    assertEquals(1, GenServer.stats(vertx).pendingTimers(), "its wake-up");
    assertEquals(true, Await.result(DeliveryWorker.cancel(vertx, service.workerFor(peer.inbox()), "x")));
    assertEquals(0, GenServer.stats(vertx).pendingTimers(), "no timer left");
    clock.advance(Duration.ofHours(10));
    nothingSent(service, peer, 0, "nothing sent");
    Await.result(service.enqueue(delivery("x", peer.inbox())));
    peer.next();
    until(service, peer.inbox(), s -> s.retried() == 2, "x fails again");
    assertEquals(1, Await.result(DeliveryWorker.status(vertx, service.workerFor(peer.inbox()), "x")).orElseThrow().attempts(),
        "counted from attempt 1 again");
    assertEquals(1, GenServer.stats(vertx).pendingTimers(), "one timer");
  }

  @Test
  void fiveHundredDeadLettersRedrivenAtTenASecondReachThePeerAtMostTenASecondWithTheirIds() {
    AtomicBoolean back = new AtomicBoolean();
    Peer peer = Peer.start(vertx, n -> Peer.status(back.get() ? 202 : 410));
    DeliveryService service = service();
    for (int i = 0; i < 500; i++) {
      Await.result(service.enqueue(delivery("d" + i, peer.inbox())));
    }
    until(service, peer.inbox(), s -> s.deadLettered() == 500, "dead-lettered");
    int before = peer.seen.size();
    back.set(true);
    long start = clock.currentTimeMillis();
    assertEquals(500, Await.result(DeliveryWorker.redrive(vertx, service.workerFor(peer.inbox()), List.of(), 10)));
    until(service, peer.inbox(), s -> s.delivered() == 1, "the first goes at once");
    for (int step = 1; step < 500; step++) {
      clock.advance(Duration.ofMillis(100)); // virtual time moves on only once the one due by now was sent
      int sent = step + 1;
      until(service, peer.inbox(), s -> s.delivered() == sent, "redriven " + sent);
    }
    List<Peer.Seen> redriven = new ArrayList<>(peer.seen).subList(before, before + 500);
    Map<Long, Integer> perSecond = new HashMap<>();
    for (Peer.Seen seen : redriven) {
      perSecond.merge((seen.atMillis() - start) / SECOND, 1, Integer::sum);
    }
    assertTrue(perSecond.values().stream().allMatch(n -> n <= 10), "at most ten a second: " + perSecond);
    assertEquals(500, redriven.stream().map(s -> s.header("idempotency-key")).distinct().count(), "ids unchanged");
    assertTrue(redriven.stream().allMatch(s -> s.header("idempotency-key").startsWith("d")));
  }

  @Test
  void aRetryAfterOfOneSecondIsNoShortcutEveryAttemptWaitsItsSlot() {
    Peer peer = Peer.start(vertx, n -> Peer.status(503, "Retry-After", "1"));
    DeliveryService service = service();
    long start = clock.currentTimeMillis();
    Await.result(service.enqueue(delivery("polite", peer.inbox())));
    long[] slots = {30 * SECOND, 300 * SECOND, 1800 * SECOND, 7200 * SECOND, 21600 * SECOND};
    attemptsAfter(service, peer, start, slots, "the peer asked for a second; the slot is longer, and wins");
    until(service, peer.inbox(), s -> s.deadLettered() == 1, "dead-lettered after six attempts over eight and a half hours");
  }

  @Test
  void a429WithRetryAfterHoldsEveryDeliveryToThatHostUntilThenInOrderAndWithoutCountingAttempts() {
    Peer peer = Peer.start(vertx, n -> n == 0 ? Peer.status(429, "Retry-After", "60") : Peer.status(202));
    Peer other = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1"),
        new DeliveryWorkerOptions().setMaxConcurrency(1));
    Await.result(service.enqueue(delivery("limited", peer.inbox())));
    peer.next();
    until(service, peer.inbox(), s -> s.retried() == 1 && s.held(), "rate-limited: the host is held");
    for (String id : List.of("b", "c", "d")) {
      Await.result(service.enqueue(delivery(id, peer.inbox())));
    }
    Await.result(service.enqueue(delivery("elsewhere", other.inbox())));
    assertEquals("elsewhere", other.next().header("idempotency-key"), "another host is not held");
    until(service, other.inbox(), s -> s.delivered() == 1, "its answer arrived"); // before time jumps past its deadline
    clock.advance(Duration.ofSeconds(59));
    nothingSent(service, peer, 0, "nothing goes to the held host for the minute it asked for");
    for (String id : List.of("b", "c", "d")) {
      assertEquals(0, Await.result(DeliveryWorker.status(vertx, service.workerFor(peer.inbox()), id)).orElseThrow().attempts(),
          id + ": waiting under a hold is no attempt");
    }
    clock.advance(Duration.ofSeconds(1));
    List<String> order = List.of(peer.next().header("idempotency-key"), peer.next().header("idempotency-key"),
        peer.next().header("idempotency-key"), peer.next().header("idempotency-key"));
    assertEquals(List.of("b", "c", "d", "limited"), order, "then in due order: the held ones as they came, the limited one"
        + " at the end of its wait (max(slot, Retry-After) = 60 s)");
  }

  @Test
  void twentyDeadLettersRedrivenAtTwoASecondWhileTheBreakerHoldsThemStartAtMostTwoInAnySecond() {
    AtomicInteger status = new AtomicInteger(410);
    Peer peer = Peer.start(vertx, n -> Peer.status(status.get()));
    DeliveryService service = service();
    for (int i = 0; i < 20; i++) {
      Await.result(service.enqueue(delivery("gone" + i, peer.inbox())));
    }
    until(service, peer.inbox(), s -> s.deadLettered() == 20 && s.unstored() == 0, "twenty dead letters");
    status.set(503);
    for (int i = 0; i < 10; i++) {
      Await.result(service.enqueue(delivery("busy" + i, peer.inbox())));
    }
    until(service, peer.inbox(), s -> s.breakerOpen() && s.inFlight() == 0, "the breaker opened");
    assertEquals(20, Await.result(DeliveryWorker.redrive(vertx, service.workerFor(peer.inbox()), List.of(), 2)));
    status.set(202);
    clock.advance(Duration.ofSeconds(60)); // the cool-off ends: one probe, then the breaker closes
    until(service, peer.inbox(), s -> !s.breakerOpen(), "closed again");
    for (int step = 0; step < 120; step++) { // twelve seconds, a tenth at a time
      clock.advance(Duration.ofMillis(100));
      until(service, peer.inbox(), s -> s.inFlight() == 0, "the step's attempts answered");
    }
    until(service, peer.inbox(), s -> s.pending() == 0, "all delivered");
    List<Long> starts = peer.seen.stream().filter(seen -> seen.header("idempotency-key").startsWith("gone"))
        .map(Peer.Seen::atMillis).sorted().toList().subList(20, 40); // after the twenty first attempts
    assertEquals(20, starts.size());
    for (int i = 2; i < starts.size(); i++) {
      assertTrue(starts.get(i) - starts.get(i - 2) >= SECOND, "at most two start in any second: " + starts);
    }
  }

  @Test
  void aDeadLetterIsLoggedOnceAtWarningWithItsWorkerIdTargetAndReason() {
    Peer peer = Peer.start(vertx, n -> Peer.status(410));
    DeliveryService guarded = service(new HttpTransportOptions(), new DeliveryWorkerOptions());
    String target = peer.inbox(); // 127.0.0.1, not allowed here
    Await.result(guarded.enqueue(delivery("refused", target)));
    until(guarded, target, s -> s.deadLettered() == 1 && s.unstored() == 0, "dead-lettered");
    clock.advance(Duration.ofHours(1));
    List<String> logged = org.vertxotp.genserver.TestLogs.warnings().stream().filter(w -> w.contains("dead letter")).toList();
    assertEquals(1, logged.size(), "once: " + logged);
    String line = logged.get(0);
    for (String part : List.of("refused", target, "outbox-0/127.0.0.1:" + peer.port(),
        "refused to connect to 127.0.0.1 (loopback; allow it with HttpTransportOptions.allowAddress)")) {
      assertTrue(line.contains(part), "names " + part + ": " + line);
    }
  }
}
