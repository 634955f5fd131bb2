package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.http.HttpSignatures;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;

/**
 * What peers we did not write make of our requests: the {@code Date} checked by Ruby's own
 * {@code Time.httpdate} and the signature by a Mastodon-style check on Ruby's OpenSSL; the
 * headers a fediverse inbox expects; and a 2xx counted when its status line arrives.
 */
class HttpInteropTest extends OnManualClock {

  private static final KeyPair KEYS = TestKeys.RSA;

  private DeliveryService service(HttpTransportOptions http) {
    return Await.result(DeliveryService.start(vertx, "interop", new HttpTransport(vertx, http),
        new DeliveryWorkerOptions().setRandom(() -> 0)));
  }

  private static Delivery delivery(String id, Peer peer) {
    return new Delivery(id, peer.inbox(), new JsonObject().put("type", "Create").put("id", id));
  }

  @Test
  void onTheFirstOfAMonthTheSignedDateIsAnImfFixdateThatRubysHttpdateAndAMastodonStyleCheckAccept() {
    long firstOfNextMonth = LocalDate.ofInstant(Instant.ofEpochMilli(clock.currentTimeMillis()), ZoneOffset.UTC)
        .withDayOfMonth(1).plusMonths(1).atTime(0, 0, 5).toInstant(ZoneOffset.UTC).toEpochMilli();
    clock.advance(Duration.ofMillis(firstOfNextMonth - clock.currentTimeMillis()));
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1")
        .setSigner(HttpSignatures.signer("https://here.example/actor#main-key", KEYS.getPrivate())));
    Await.result(service.enqueue(delivery("first-of-month", peer)));
    Peer.Seen seen = peer.next();
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
    String date = seen.header("date");
    assertTrue(date.matches("[A-Z][a-z]{2}, 01 [A-Z][a-z]{2} \\d{4} 00:00:05 GMT"), "a two-digit day: " + date);
    assertEquals(firstOfNextMonth, RubyPeer.httpdate(date), "Ruby reads the date we meant");
    assertNull(RubyPeer.verdict("POST", seen.path(), seen.headers(), seen.body(), KEYS.getPublic()),
        "a Mastodon-style check accepts the signed request");
    // The form we used to send, which the same parser refuses: the check above can fail.
    assertThrows(IllegalArgumentException.class, () -> RubyPeer.httpdate(date.replace(", 01 ", ", 1 ")));
  }

  @Test
  void everyRequestCarriesTheUserAgentTheContentTypeAndTheStaticHeadersConfigured() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService plainService = service(new HttpTransportOptions().allowAddress("127.0.0.1"));
    Await.result(plainService.enqueue(delivery("defaults", peer)));
    Peer.Seen plain = peer.next();
    until(plainService, peer.inbox(), s -> s.delivered() == 1, "delivered");
    assertTrue(plain.header("user-agent").matches("vertx-otp/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), plain.header("user-agent"));
    assertEquals("application/activity+json", plain.header("content-type"));

    String ldJson = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    HttpTransportOptions options = new HttpTransportOptions().allowAddress("127.0.0.1")
        .setUserAgentUrl("https://here.example/").setContentType(ldJson).putHeader("Authorization", "Bearer t0ken")
        .putHeader("X-Instance", "here");
    Peer other = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService configured = Await.result(DeliveryService.start(vertx, "interop-configured",
        new HttpTransport(vertx, options), new DeliveryWorkerOptions()));
    options.putHeader("X-Changed-Later", "ignored"); // the transport kept its own copy
    Await.result(configured.enqueue(delivery("configured", other)));
    Peer.Seen seen = other.next();
    until(configured, other.inbox(), s -> s.delivered() == 1, "delivered");
    assertEquals(plain.header("user-agent") + " (+https://here.example/)", seen.header("user-agent"));
    assertEquals(ldJson, seen.header("content-type"));
    assertEquals("Bearer t0ken", seen.header("authorization"));
    assertEquals("here", seen.header("x-instance"));
    assertNull(seen.header("x-changed-later"));
    assertThrows(IllegalArgumentException.class, () -> new HttpTransportOptions().putHeader("Date", "today"),
        "a header the transport writes itself");
    assertThrows(IllegalArgumentException.class, () -> new HttpTransportOptions().putHeader("X-Bad", "a\r\nInjected: yes"));
    assertThrows(IllegalArgumentException.class, () -> new HttpTransportOptions().putHeader("Bad Name", "x"));
    assertThrows(IllegalArgumentException.class, () -> new HttpTransportOptions().putHeader("Idempotency-Key", "fixed"),
        "the delivery id's header");
    assertThrows(IllegalArgumentException.class, () -> new HttpTransportOptions().putHeader("X-Request-Id", "fixed")
        .setIdempotencyHeader("x-request-id"), "in either order");
  }

  @Test
  void a2xxWhoseBodyTricklesPastTheDeadlineIsDeliveredAtItsStatusLineOnceAndItsConnectionClosed() {
    Peer peer = Peer.start(vertx, n -> Peer.trickle()); // 200, then a byte every 50 ms, for ever
    DeliveryService service = service(new HttpTransportOptions().allowAddress("127.0.0.1")
        .setRequestDeadline(Duration.ofSeconds(10)));
    Await.result(service.enqueue(delivery("trickled", peer)));
    peer.next();
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered at the status line, the body still coming");
    assertEquals(0, stats(service, peer.inbox()).inFlight(), "its slot is free");
    clock.advance(Duration.ofSeconds(10)); // the deadline: what is left of the body is not waited for
    Await.until(() -> peer.open.get() == 0, "the connection was closed at the deadline");
    clock.advance(Duration.ofHours(10));
    nothingSent(service, peer, 0, "posted once: a delivered activity is not posted again");
  }
}
