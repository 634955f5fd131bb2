package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.http.HttpSignatures;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.sys.Sys;

/**
 * The delivery worker over HTTP, against a real vertx-web peer on 127.0.0.1, on a manual clock:
 * schedules of hours are checked to the millisecond without waiting.
 */
class HttpDeliveryTest extends OnManualClock {

  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final KeyPair KEYS = TestKeys.RSA;

  private HttpTransportOptions http() {
    return new HttpTransportOptions().allowAddress("127.0.0.1")
        .setSigner(HttpSignatures.signer("https://here.example/actor#main-key", KEYS.getPrivate()));
  }

  private DeliveryService service(HttpTransportOptions http, DeliveryWorkerOptions options) {
    return Await.result(DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, http), options.setRandom(() -> 0)));
  }

  private DeliveryService service() {
    return service(http(), new DeliveryWorkerOptions());
  }

  private static Delivery delivery(String id, Peer peer) {
    return new Delivery(id, peer.inbox(), new JsonObject().put("type", "Create").put("id", id));
  }

  private void advance(long millis) {
    clock.advance(Duration.ofMillis(millis));
  }

  @Test
  void a202IsOnePostWithTheHeadersAndAVerifyingSignatureAndLeavesNothingBehind() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service();
    Delivery delivery = delivery("activity-1", peer);
    assertEquals(true, Await.result(service.enqueue(delivery)));
    Peer.Seen seen = peer.next();
    assertEquals("application/activity+json", seen.header("content-type"));
    assertEquals("activity-1", seen.header("idempotency-key"));
    assertEquals(delivery.payload(), new JsonObject(new String(seen.body(), StandardCharsets.UTF_8)));
    assertTrue(HttpSignatures.verify("POST", seen.path(), seen.headers(), seen.body(), KEYS.getPublic()), "signature verifies");
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
    DeliveryStats stats = stats(service, peer.inbox());
    assertEquals(0, stats.pending());
    assertEquals(0, GenServer.stats(vertx).pendingTimers(), "no timer for it");
    advance(10 * HOUR);
    nothingSent(service, peer, 0, "one POST only");
  }

  @Test
  void alwaysFailingIsPostedAtTheSlotTimesThenDeadLetteredOnceAndNeverAgain() {
    Peer peer = Peer.start(vertx, n -> Peer.status(500));
    java.util.concurrent.BlockingQueue<JsonObject> published = new java.util.concurrent.LinkedBlockingQueue<>();
    vertx.eventBus().<JsonObject>consumer(DeliveryWorkerOptions.DEFAULT_EVENT_ADDRESS, m -> published.add(m.body()));
    // The jitter's source gives 0.99 then 0: every other wait is lengthened by almost the whole 20 %.
    double[] randoms = {0.99, 0};
    int[] draws = {0};
    DeliveryService service = Await.result(DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, http()),
        new DeliveryWorkerOptions().setRandom(() -> randoms[draws[0]++ % 2])));
    long start = clock.currentTimeMillis();
    Await.result(service.enqueue(delivery("a", peer)));
    long[] slots = {30 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR};
    long[] waits = new long[slots.length];
    for (int i = 0; i < slots.length; i++) {
      waits[i] = slots[i] + (long) (slots[i] * 0.2 * randoms[i % 2]);
      assertTrue(waits[i] >= slots[i] && waits[i] <= slots[i] * 1.2, "within the jitter bound");
    }
    long expected = attemptsAfter(service, peer, start, waits, "not before its slot and jitter");
    List<DeadLetter> letters = Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor(peer.inbox())));
    assertEquals(1, letters.size());
    DeadLetter letter = letters.get(0);
    assertEquals("a", letter.id());
    assertEquals(peer.inbox(), letter.delivery().target());
    assertEquals(6, letter.attempts());
    assertEquals(500, letter.lastStatus());
    assertEquals(start, letter.firstFailureMillis());
    assertEquals(expected, letter.lastFailureMillis());
    assertEquals(0, GenServer.stats(vertx).pendingTimers(), "no timer left");
    JsonObject event = Await.next(published);
    assertEquals("dead-letter", event.getString("event"));
    assertEquals("a", event.getString("id"));
    assertEquals(6, event.getInteger("attempts"));
    assertEquals(500, event.getInteger("status"));
    advance(60 * HOUR);
    nothingSent(service, peer, 0, "a dead letter is never posted again");
    // What Sys shows of the worker: its statistics.
    DeliveryStats shown = (DeliveryStats) Await.result(Sys.getStatus(vertx, service.workerFor(peer.inbox()))).state();
    assertEquals(0, shown.delivered());
    assertEquals(5, shown.retried());
    assertEquals(1, shown.deadLettered());
  }

  @Test
  void aFailureThenA202IsTwoPostsTheSecondAtTheFirstSlot() {
    Peer peer = Peer.start(vertx, n -> Peer.status(n == 0 ? 500 : 202));
    DeliveryService service = service();
    Await.result(service.enqueue(delivery("a", peer)));
    long first = peer.next().atMillis();
    until(service, peer.inbox(), s -> s.retried() == 1, "retried");
    advance(30 * SECOND);
    assertEquals(first + 30 * SECOND, peer.next().atMillis());
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
  }

  @Test
  void permanentStatusesDeadLetterAtOnceNamingTheCodeAndRetryableOnesAreRetried() {
    for (int status : new int[] {400, 403, 404, 410, 422, 501}) {
      Peer peer = Peer.start(vertx, n -> Peer.status(status));
      DeliveryService service = service(http(), new DeliveryWorkerOptions());
      Await.result(service.enqueue(delivery("p" + status, peer)));
      peer.next();
      until(service, peer.inbox(), s -> s.deadLettered() == 1, status + " dead-lettered");
      DeadLetter letter = Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor(peer.inbox()))).get(0);
      assertEquals(1, letter.attempts());
      assertTrue(letter.reason().contains(String.valueOf(status)), letter.reason());
      Await.result(service.stop());
    }
    for (int status : new int[] {401, 408, 429}) {
      Peer peer = Peer.start(vertx, n -> Peer.status(n == 0 ? status : 202));
      DeliveryService service = service(http(), new DeliveryWorkerOptions());
      Await.result(service.enqueue(delivery("t" + status, peer)));
      peer.next();
      until(service, peer.inbox(), s -> s.retried() == 1, status + " retried");
      advance(30 * SECOND);
      peer.next();
      until(service, peer.inbox(), s -> s.delivered() == 1, status + " delivered on the retry");
      Await.result(service.stop());
    }
  }

  @Test
  void retryAfterIsHonouredInSecondsOrAsADateGarbageFallsBackToTheSlotAndTooLongIsClamped() {
    Map<String, Long> cases = new java.util.LinkedHashMap<>();
    cases.put("120", 120 * SECOND);
    cases.put("a date in five minutes", 5 * MINUTE);
    cases.put("whenever", 30 * SECOND);
    cases.put("99999999", HOUR);
    int i = 0;
    for (Map.Entry<String, Long> retryAfter : cases.entrySet()) {
      advance(SECOND - clock.currentTimeMillis() % SECOND); // on a whole second: an HTTP-date has no milliseconds
      String header = retryAfter.getKey().startsWith("a date")
          ? java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
              java.time.Instant.ofEpochMilli(clock.currentTimeMillis() + 5 * MINUTE).atOffset(java.time.ZoneOffset.UTC))
          : retryAfter.getKey();
      Peer peer = Peer.start(vertx, n -> n == 0 ? Peer.status(429, "Retry-After", header) : Peer.status(202));
      DeliveryService service = service(http(), new DeliveryWorkerOptions()
          .setRetryPolicy(RetryPolicy.http().withMaxRetryAfter(Duration.ofHours(1))));
      Await.result(service.enqueue(delivery("r" + i++, peer)));
      long first = peer.next().atMillis();
      until(service, peer.inbox(), s -> s.retried() == 1, "retried");
      advance(first + retryAfter.getValue() - clock.currentTimeMillis() - 1);
      nothingSent(service, peer, 0, "not before " + retryAfter.getKey());
      advance(1);
      assertEquals(first + retryAfter.getValue(), peer.next().atMillis(), "Retry-After: " + header);
      Await.result(service.stop());
    }
  }
}
