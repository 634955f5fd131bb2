package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoredState;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.TestLogs;

/**
 * A worker lives through what its transport and its store do wrong: a transport that throws,
 * fails, gives nothing or never answers; a store that fails or is slow; requests that make no
 * sense. Each is an outcome or a typed failure to the caller, never a crash that its supervisor
 * would restart into the same fault.
 */
class WorkerFaultsTest extends OnManualClock {

  /** A transport that does what the test says, per delivery id. */
  private static Transport transport(Function<Delivery, Future<Outcome>> send) {
    return new Transport() {
      @Override
      public String destinationOf(String target) {
        return target;
      }

      @Override
      public Future<Outcome> send(Delivery delivery, int attempt) {
        return send.apply(delivery);
      }
    };
  }

  @org.junit.jupiter.api.BeforeEach
  void storeRecoveriesAreLogged() {
    TestLogs.allow("keeps writes again"); // the worker says when its store keeps writes again after failing
  }

  private DeliveryService service(Transport transport, DeliveryStore store) {
    DeliveryWorkerOptions options = new DeliveryWorkerOptions().setRandom(() -> 0).setAttemptTimeout(Duration.ofMinutes(2));
    if (store != null) {
      options.setStore(store);
    }
    return Await.result(DeliveryService.start(vertx, "faults", transport, options));
  }

  /** A transport whose first {@code gone} attempts are answered 410, and the rest never. */
  private static Transport goneThenHanging(int gone) {
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    return transport(d -> attempts.getAndIncrement() < gone
        ? Future.succeededFuture(new Outcome.Permanent(410, "HTTP 410 Gone")) : Promise.<Outcome>promise().future());
  }

  /** A service on {@code store} whose worker for "peer" has started (on a first, waiting delivery), over a transport that never answers. */
  private DeliveryService startedOn(FaultyStore store) {
    DeliveryService service = service(transport(d -> Promise.<Outcome>promise().future()), store);
    Await.result(service.enqueue(delivery("warm-up", "peer"), Duration.ofHours(1)));
    return service;
  }

  private static Delivery delivery(String id, String target) {
    return new Delivery(id, target, new JsonObject().put("id", id));
  }

  @Test
  void aTransportThatThrowsIsAPermanentFailureAndTheWorkerLivesOn() {
    DeliveryService service = service(transport(d -> {
      throw new IllegalStateException("no key for " + d.id());
    }), null);
    Await.result(service.enqueue(delivery("a", "peer")));
    ServerRef worker = GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow();
    Await.until(() -> stats(service, "peer").deadLettered() == 1, "dead-lettered");
    DeadLetter letter = Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor("peer"))).get(0);
    assertTrue(letter.reason().startsWith("cannot send") && letter.reason().contains("no key for a"), letter.reason());
    assertEquals(worker, GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow(), "not restarted");
  }

  @Test
  void aTransportThatFailsOrGivesNothingIsATransientFailure() {
    DeliveryService service = service(transport(d -> switch (d.id()) {
      case "fails" -> Future.failedFuture(new IllegalStateException("broken pipe"));
      case "no-future" -> null;
      default -> Future.succeededFuture(null);
    }), null);
    Await.result(service.enqueue(delivery("fails", "peer")));
    Await.result(service.enqueue(delivery("nothing", "peer")));
    Await.result(service.enqueue(delivery("no-future", "peer")));
    Await.until(() -> stats(service, "peer").retried() == 3, "all three retried");
    List<DeliveryStatus> pending = Await.result(DeliveryWorker.pending(vertx, service.workerFor("peer")));
    assertTrue(pending.get(0).lastFailure().orElseThrow().contains("broken pipe"), pending.toString());
    assertTrue(pending.get(1).lastFailure().orElseThrow().contains("no outcome"), pending.toString());
    assertTrue(pending.get(2).lastFailure().orElseThrow().contains("no outcome"), pending.toString());
  }

  @Test
  void anAttemptThatNeverEndsIsCutAtTheAttemptTimeoutAndItsSlotFreed() {
    DeliveryService service = service(transport(d -> Promise.<Outcome>promise().future()), null);
    Await.result(service.enqueue(delivery("hangs", "peer")));
    Await.until(() -> stats(service, "peer").inFlight() == 1, "in flight");
    clock.advance(Duration.ofMinutes(2).minusMillis(1));
    assertEquals(1, stats(service, "peer").inFlight(), "still within the attempt timeout");
    clock.advance(Duration.ofMillis(1));
    Await.until(() -> stats(service, "peer").retried() == 1, "cut, and retried later");
    assertEquals(0, stats(service, "peer").inFlight(), "its slot is free");
    String reason = Await.result(DeliveryWorker.status(vertx, service.workerFor("peer"), "hangs")).orElseThrow()
        .lastFailure().orElseThrow();
    assertTrue(reason.startsWith("no outcome within 120000 ms"), reason);
  }

  @Test
  void anEnqueueTheStoreFailsIsNotAcceptedAndLeavesNothingPending() {
    FaultyStore store = new FaultyStore();
    DeliveryService service = startedOn(store);
    TestLogs.allow("disk full"); // the worker warns of its store's failure
    store.failWrites = true;
    Throwable failure = Await.failure(service.enqueue(delivery("lost", "peer"), Duration.ofHours(1)));
    assertInstanceOf(NotStoredException.class, failure);
    assertTrue(failure.getMessage().contains("disk full"), failure.getMessage());
    assertTrue(Await.result(DeliveryWorker.status(vertx, service.workerFor("peer"), "lost")).isEmpty(), "not kept");
    store.failWrites = false;
    assertEquals(true, Await.result(service.enqueue(delivery("lost", "peer"), Duration.ofHours(1))), "accepted when enqueued again");
  }

  @Test
  void aSecondEnqueueOfAnIdIsAnsweredOnlyOnceTheFirstIsStored() {
    FaultyStore store = new FaultyStore();
    DeliveryService service = startedOn(store);
    Promise<Void> gate = Promise.promise();
    store.gates.add(gate);
    Future<Boolean> first = service.enqueue(delivery("slow", "peer"), Duration.ofHours(1));
    Future<Boolean> second = service.enqueue(delivery("slow", "peer"), Duration.ofHours(1));
    Await.result(DeliveryWorker.stats(vertx, service.workerFor("peer"))); // both were handled
    assertFalse(first.isComplete() || second.isComplete(), "neither answered before the store has it");
    gate.complete();
    assertEquals(true, Await.result(first));
    assertEquals(false, Await.result(second), "a duplicate, answered once the first was stored");
  }

  @Test
  void aFailedSaveTakesBackOnlyItsOwnEnqueueNotALaterOneOfTheSameId() {
    FaultyStore store = new FaultyStore();
    DeliveryService service = startedOn(store);
    Promise<Void> gate = Promise.promise();
    store.gates.add(gate);
    Future<Boolean> first = service.enqueue(delivery("x", "peer"), Duration.ofHours(1)); // its save waits
    Future<Boolean> cancelled = DeliveryWorker.cancel(vertx, service.workerFor("peer"), "x"); // waits for the enqueue
    Future<Boolean> again = service.enqueue(delivery("x", "peer"), Duration.ofHours(1)); // and for the cancel
    Await.result(DeliveryWorker.stats(vertx, service.workerFor("peer"))); // all three were handled
    assertFalse(first.isComplete() || cancelled.isComplete() || again.isComplete(), "none answered before the store has it");
    TestLogs.allow("disk full");
    gate.fail(new IllegalStateException("disk full"));
    assertInstanceOf(NotStoredException.class, Await.failure(first));
    assertEquals(false, Await.result(cancelled), "the cancel ran once the enqueue was refused: nothing to cancel");
    assertEquals(true, Await.result(again), "then a new x, stored");
    assertTrue(Await.result(DeliveryWorker.status(vertx, service.workerFor("peer"), "x")).isPresent(), "the new x stays");
    assertEquals(false, Await.result(service.enqueue(delivery("x", "peer"), Duration.ofHours(1))), "and is the one pending");
    assertEquals(1, Await.result(store.load(service.workerFor("peer").name())).pending().stream()
        .filter(p -> p.delivery().id().equals("x")).count(), "in the store too");
  }

  @Test
  void aDeadLetterEnqueuedAgainWhoseSaveFailsIsStillADeadLetterInTheWorkerAndTheStore() {
    FaultyStore store = new FaultyStore();
    DeliveryService service = service(goneThenHanging(1), store);
    Await.result(service.enqueue(delivery("gone", "peer")));
    Await.until(() -> stats(service, "peer").deadLettered() == 1, "dead-lettered");
    TestLogs.allow("disk full");
    store.failWrites = true;
    assertInstanceOf(NotStoredException.class, Await.failure(service.enqueue(delivery("gone", "peer"))));
    assertEquals(List.of("gone"), Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor("peer"))).stream()
        .map(DeadLetter::id).toList(), "the worker gives the dead letter back");
    assertEquals(List.of("gone"), Await.result(store.load(service.workerFor("peer").name())).deadLetters().stream()
        .map(DeadLetter::id).toList(), "the store never forgot it");
    store.failWrites = false;
    assertEquals(1, Await.result(DeliveryWorker.redrive(vertx, service.workerFor("peer"), List.of(), 10)));
    StoredState kept = Await.result(store.load(service.workerFor("peer").name()));
    assertEquals(List.of("gone"), kept.pending().stream().map(p -> p.delivery().id()).toList(), "redriven: pending in the store");
    assertEquals(List.of(), kept.deadLetters(), "its dead letter went in the same step");
  }

  @Test
  void aDelayOfDaysOrOfForeverIsAcceptedAndWhatFallsDueGoesOnTime() {
    java.util.Queue<Long> sent = new java.util.concurrent.ConcurrentLinkedQueue<>();
    DeliveryService service = service(transport(d -> {
      sent.add(clock.currentTimeMillis());
      return Future.succeededFuture(new Outcome.Delivered(0));
    }), null);
    Await.result(service.enqueue(delivery("now", "peer")));
    Await.until(() -> stats(service, "peer").delivered() == 1, "the first delivered");
    ServerRef worker = GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow();
    sent.clear();
    long start = clock.currentTimeMillis();
    assertEquals(true, Await.result(service.enqueue(delivery("never", "peer"), Duration.ofMillis(Long.MAX_VALUE))));
    assertEquals(true, Await.result(service.enqueue(delivery("later", "peer"), Duration.ofSeconds(Long.MAX_VALUE))));
    assertEquals(true, Await.result(service.enqueue(delivery("in-2.5-days", "peer"), Duration.ofHours(60))));
    clock.advance(Duration.ofDays(3)); // the wake-up is armed a day at a time, then for the rest
    Await.until(() -> stats(service, "peer").delivered() == 2, "the one due in 2.5 days was sent");
    assertEquals(List.of(start + Duration.ofHours(60).toMillis()), List.copyOf(sent), "sent when due, not a day late");
    DeliveryStats stats = stats(service, "peer");
    assertEquals(2, stats.pending(), "the two due in forever wait");
    assertEquals(worker, GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow(), "not restarted");
  }

  @Test
  void aRedriveTheStoreKeepsOnlyPartOfIsTakenBackWhollyInTheWorkerAndInTheStore() {
    FaultyStore store = new FaultyStore();
    DeliveryService service = service(goneThenHanging(3), store);
    for (String id : List.of("a", "b", "c")) {
      Await.result(service.enqueue(delivery(id, "peer")));
    }
    Await.until(() -> stats(service, "peer").deadLettered() == 3, "dead-lettered");
    TestLogs.allow("disk full");
    Promise<Void> failing = Promise.promise();
    failing.fail(new IllegalStateException("disk full"));
    store.gates.addAll(List.of(Promise.<Void>promise(), failing, Promise.<Void>promise()));
    store.gates.forEach(gate -> gate.tryComplete());
    assertInstanceOf(NotStoredException.class, Await.failure(DeliveryWorker.redrive(vertx, service.workerFor("peer"), List.of(), 1)));
    assertEquals(List.of("a", "b", "c"), Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor("peer"))).stream()
        .map(DeadLetter::id).sorted().toList(), "all three are dead letters again");
    StoredState kept = Await.result(store.load(service.workerFor("peer").name()));
    assertEquals(List.of(), kept.pending(), "the saves that went through were taken back too");
    assertEquals(List.of("a", "b", "c"), kept.deadLetters().stream().map(DeadLetter::id).sorted().toList());
  }

  @Test
  void nonsenseIsRefusedWithABadMessageAndTheWorkerLivesOn() {
    DeliveryService service = service(transport(d -> Future.succeededFuture(new Outcome.Delivered(0))), null);
    Await.result(service.enqueue(delivery("a", "peer")));
    ServerRef worker = GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow();
    Await.callFailure(GenServer.call(vertx, worker, "what?"), CallFailure.BAD_MESSAGE);
    Await.callFailure(GenServer.call(vertx, worker, new org.vertxotp.delivery.impl.WorkerRequests.Redrive(List.of(), -1)),
        CallFailure.BAD_MESSAGE);
    assertInstanceOf(IllegalArgumentException.class, Await.failure(DeliveryWorker.redrive(vertx, worker, List.of(), 0)));
    assertThrows(IllegalArgumentException.class, () -> delivery("new\nline", "peer"));
    assertThrows(IllegalArgumentException.class, () -> delivery("a", " "));
    assertEquals(worker, GenServer.whereisLocal(vertx, service.workerFor("peer")).orElseThrow(), "not restarted");
  }
}
