package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.TestLogs;

/**
 * A store that fails its next write never leaves the worker and the store disagreeing: each call
 * (enqueue, cancel, redrive) is either kept before it is answered and acted on, or undone; each
 * outcome (delivered, dead letter, dropped) is written again until it is kept, and nothing acts as
 * if it were before. Each case ends with a restart from the store, which must find what the
 * worker said. Against a real HTTP peer on 127.0.0.1.
 */
class StoreFaultsTest extends OnManualClock {

  private static final Duration ONE_MINUTE = Duration.ofMinutes(1);
  private static final RetryPolicy POLICY = RetryPolicy.http().withSlots(List.of(Duration.ofHours(1)));

  private FaultyStore store;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() {
    store = new FaultyStore();
    TestLogs.allow(FaultyStore.FAILURE); // the worker warns of a write its store failed,
    TestLogs.allow("keeps writes again"); // and says when the store is back
    vertx.eventBus().<JsonObject>consumer(DeliveryWorkerOptions.DEFAULT_EVENT_ADDRESS, m -> events.add(m.body()));
  }

  private DeliveryService service() {
    return Await.result(DeliveryService.start(vertx, "outbox", new HttpTransport(vertx,
        new HttpTransportOptions().allowAddress("127.0.0.1")),
        new DeliveryWorkerOptions().setStore(store).setRandom(() -> 0).setRetryPolicy(POLICY)));
  }

  /** Stops the service and starts another on the same store: what it finds is what the store kept. */
  private DeliveryService restarted(DeliveryService service) {
    Await.result(service.stop());
    return service();
  }

  private static Delivery delivery(String id, Peer peer) {
    return new Delivery(id, peer.inbox(), new JsonObject().put("id", id));
  }

  /** Whether {@code id} is pending, by the worker if one runs (a restarted service runs one only where the store keeps something). */
  private boolean pending(DeliveryService service, Peer peer, String id) {
    boolean stored = Await.result(store.load(service.workerFor(peer.inbox()).name())).pending().stream()
        .anyMatch(p -> p.delivery().id().equals(id));
    if (GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).isEmpty()) {
      return stored;
    }
    boolean inWorker = Await.result(DeliveryWorker.status(vertx, service.workerFor(peer.inbox()), id)).isPresent();
    assertEquals(stored, inWorker, "the worker and its store agree on " + id);
    return inWorker;
  }

  /** After advancing past everything: nothing reached the peer (with no worker running, nothing could). */
  private void nothingMoreSent(DeliveryService service, Peer peer, String what) {
    clock.advance(Duration.ofHours(2));
    if (GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).isPresent()) {
      nothingSent(service, peer, 0, what);
    } else {
      assertEquals(0, peer.seen.size(), what);
    }
  }

  private List<String> deadLetters(DeliveryService service, Peer peer) {
    return Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor(peer.inbox()))).stream().map(DeadLetter::id).toList();
  }

  /** Lets the worker write again what the store failed (its first retry comes a second later), and waits until the store has all. */
  private void storeCatchesUp(DeliveryService service, Peer peer) {
    clock.advance(Duration.ofSeconds(1));
    until(service, peer.inbox(), s -> s.unstored() == 0, "the store has every change");
  }

  /** Enqueues "a" for a minute from now and lets its attempt reach the peer, the store failing the write of what came of it. */
  private void attemptWhoseOutcomeWriteFails(DeliveryService service, Peer peer) {
    Await.result(service.enqueue(delivery("a", peer), ONE_MINUTE));
    store.failNextWrites.set(1);
    clock.advance(ONE_MINUTE);
    peer.next();
  }

  @Test
  void anEnqueueWhoseWriteFailsIsRefusedNeverSentAndNotThereAfterARestart() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service();
    store.failNextWrites.set(1);
    assertInstanceOf(NotStoredException.class, Await.failure(service.enqueue(delivery("a", peer))));
    assertFalse(pending(service, peer, "a"));
    service = restarted(service);
    assertFalse(pending(service, peer, "a"), "not in the store either");
    nothingMoreSent(service, peer, "a refused enqueue is never sent");
  }

  @Test
  void aCancelWhoseWriteFailsIsRefusedAndTheDeliveryStaysPendingBeforeAndAfterARestart() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service();
    Await.result(service.enqueue(delivery("a", peer), ONE_MINUTE));
    store.failNextWrites.set(1);
    assertInstanceOf(NotStoredException.class,
        Await.failure(DeliveryWorker.cancel(vertx, service.workerFor(peer.inbox()), "a")));
    assertTrue(pending(service, peer, "a"), "not cancelled, as the caller was told");
    storeCatchesUp(service, peer);
    service = restarted(service);
    assertTrue(pending(service, peer, "a"), "and pending in the store");
    assertEquals(true, Await.result(DeliveryWorker.cancel(vertx, service.workerFor(peer.inbox()), "a")), "a cancel that is kept");
    service = restarted(service);
    assertFalse(pending(service, peer, "a"));
    nothingMoreSent(service, peer, "a cancelled delivery is never sent");
  }

  @Test
  void aRedriveWhoseWriteFailsIsRefusedAndTheDeadLetterStaysOneBeforeAndAfterARestart() {
    Peer peer = Peer.start(vertx, n -> Peer.status(n == 0 ? 410 : 202));
    DeliveryService service = service();
    Await.result(service.enqueue(delivery("a", peer)));
    until(service, peer.inbox(), s -> s.deadLettered() == 1 && s.unstored() == 0, "dead-lettered");
    peer.next();
    store.failNextWrites.set(1);
    assertInstanceOf(NotStoredException.class,
        Await.failure(DeliveryWorker.redrive(vertx, service.workerFor(peer.inbox()), List.of("a"), 10)));
    assertEquals(List.of("a"), deadLetters(service, peer));
    storeCatchesUp(service, peer);
    service = restarted(service);
    assertEquals(List.of("a"), deadLetters(service, peer), "a dead letter in the store too");
    nothingSent(service, peer, 0, "the refused redrive sent nothing");
  }

  @Test
  void aDeliveredActivityWhoseRemovalFailsIsWrittenAgainAndNotSentAgainAfterARestart() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service();
    attemptWhoseOutcomeWriteFails(service, peer);
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
    assertEquals(1, stats(service, peer.inbox()).unstored(), "its removal failed: to be written again");
    storeCatchesUp(service, peer);
    service = restarted(service);
    assertFalse(pending(service, peer, "a"));
    nothingMoreSent(service, peer, "delivered once, and only once");
  }

  @Test
  void aDeadLetterWhoseWriteFailsIsPublishedOnlyOnceStoredAndNotSentAgainAfterARestart() {
    Peer peer = Peer.start(vertx, n -> Peer.status(410));
    DeliveryService service = service();
    attemptWhoseOutcomeWriteFails(service, peer);
    until(service, peer.inbox(), s -> s.deadLettered() == 1, "dead-lettered");
    assertEquals(1, stats(service, peer.inbox()).unstored(), "its write failed: not stored yet");
    Await.nothingFor(events, 100);
    storeCatchesUp(service, peer);
    JsonObject event = Await.next(events);
    assertEquals("dead-letter", event.getString("event"), "published once stored");
    service = restarted(service);
    assertEquals(List.of("a"), deadLetters(service, peer));
    nothingMoreSent(service, peer, "a dead letter is not sent again");
    Await.nothingFor(events, 100);
  }

  @Test
  void aDroppedFollowUpWhoseRemovalFailsIsPublishedOnlyOnceForgottenAndNotCalledAgainAfterARestart() {
    DeliveryWorkerOptions options = new DeliveryWorkerOptions().setStore(store).setRetryPolicy(RetryPolicy.followUp());
    DeliveryService followUps = Await.result(DeliveryService.start(vertx, "follow-ups",
        new GenServerTransport(vertx, Duration.ofSeconds(1)), options));
    Await.result(followUps.enqueue(new Delivery("f", "nobody", new JsonObject()), ONE_MINUTE));
    store.failNextWrites.set(1);
    clock.advance(ONE_MINUTE);
    until(followUps, "nobody", s -> s.dropped() == 1, "dropped: no such server");
    assertEquals(1, stats(followUps, "nobody").unstored(), "its removal failed: not forgotten yet");
    Await.nothingFor(events, 100);
    clock.advance(Duration.ofSeconds(1));
    until(followUps, "nobody", s -> s.unstored() == 0, "the store forgot it");
    assertEquals("dropped", Await.next(events).getString("event"));
    Await.result(followUps.stop());
    followUps = Await.result(DeliveryService.start(vertx, "follow-ups", new GenServerTransport(vertx, Duration.ofSeconds(1)),
        options));
    assertEquals(List.of(), Await.result(store.load("follow-ups/nobody")).pending(), "forgotten by the store");
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("follow-ups/nobody")).isEmpty(),
        "so the restarted service has no worker for it");
    clock.advance(Duration.ofHours(2));
    Await.nothingFor(events, 100);
  }

  @Test
  void aRetryWhoseNewScheduleCannotBeWrittenIsNotSentUntilItIs() {
    Peer peer = Peer.start(vertx, n -> Peer.status(n == 0 ? 500 : 202));
    DeliveryService service = service();
    Await.result(service.enqueue(delivery("a", peer), ONE_MINUTE));
    store.failWrites = true;
    clock.advance(ONE_MINUTE);
    peer.next();
    until(service, peer.inbox(), s -> s.retried() == 1, "failed once");
    clock.advance(Duration.ofHours(1)); // due, but its attempt is not in the store
    nothingSent(service, peer, 0, "not sent before the store has its schedule");
    store.failWrites = false;
    clock.advance(Duration.ofSeconds(30)); // the next retry of the write
    peer.next();
    until(service, peer.inbox(), s -> s.delivered() == 1, "sent once stored");
  }
}
