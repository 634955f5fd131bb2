package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.genserver.time.ManualClock;

/** Nothing accepted is lost: a worker's state survives its restart, and, stored durably, a killed process. */
@ExtendWith(TestVertx.class)
class RestartTest {

  private static final int COUNT = 5;

  private DeliveryService service(Vertx vertx, String name, DeliveryStore store) {
    return Await.result(DeliveryService.start(vertx, name, new HttpTransport(vertx,
        new HttpTransportOptions().allowAddress("127.0.0.1")), new DeliveryWorkerOptions().setStore(store).setRandom(() -> 0)));
  }

  private static void until(Vertx vertx, DeliveryService service, String target, Predicate<DeliveryStats> condition,
                            String what) {
    Await.until(() -> condition.test(Await.result(DeliveryWorker.stats(vertx, service.workerFor(target)))), what);
  }

  /** After a restart: retries and dead letters as they were, and the schedule goes on. */
  private void assertResumed(Vertx vertx, ManualClock clock, DeliveryService service, Peer failing, Peer gone) {
    List<DeliveryStatus> pending = Await.result(DeliveryWorker.pending(vertx, service.workerFor(failing.inbox())));
    assertEquals(COUNT, pending.size());
    for (DeliveryStatus status : pending) {
      assertEquals(1, status.attempts(), status.id());
      assertTrue(status.lastFailure().orElse("").contains("500"), status.toString());
    }
    List<DeadLetter> letters = Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor(gone.inbox())));
    assertEquals(COUNT, letters.size());
    assertTrue(letters.stream().allMatch(l -> l.lastStatus() == 410 && l.attempts() == 1));
    long due = pending.stream().mapToLong(DeliveryStatus::dueMillis).max().orElseThrow();
    int before = failing.seen.size();
    clock.advance(Duration.ofMillis(Math.max(0, due - clock.currentTimeMillis())));
    until(vertx, service, failing.inbox(), s -> s.retried() == COUNT, "the schedule goes on");
    assertEquals(before + COUNT, failing.seen.size(), "each retried once, at its due time");
  }

  @Test
  void aRestartedServiceFindsItsRetriesAndDeadLettersAndGoesOn(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    Peer failing = Peer.start(vertx, n -> Peer.status(500));
    Peer gone = Peer.start(vertx, n -> Peer.status(410));
    InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    DeliveryService first = service(vertx, "outbox", store);
    for (int i = 0; i < COUNT; i++) {
      Await.result(first.enqueue(new Delivery("retrying-" + i, failing.inbox(), new JsonObject())));
      Await.result(first.enqueue(new Delivery("dead-" + i, gone.inbox(), new JsonObject())));
    }
    until(vertx, first, failing.inbox(), s -> s.retried() == COUNT, "first failures");
    until(vertx, first, gone.inbox(), s -> s.deadLettered() == COUNT, "dead letters");
    Await.result(first.stop());
    assertResumed(vertx, clock, service(vertx, "outbox", store), failing, gone);
  }

  @Test
  void aKilledProcessLosesNothingItAcceptedToTheDurableStore(Vertx vertx) throws Exception {
    Peer failing = Peer.start(vertx, n -> Peer.status(500));
    Peer gone = Peer.start(vertx, n -> Peer.status(410));
    Path dir = Files.createTempDirectory("delivery-store");
    Path file = dir.resolve("outbox.mv.db");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, DurableChild.class.getName(), file.toString(), failing.inbox(), gone.inbox(), String.valueOf(COUNT))
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        // the child's own output, if any, before it is ready
      }
      assertEquals("READY", line, "the child got ready");
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    ManualClock clock = ManualClock.install(vertx);
    DurableDeliveryStore store = Await.result(vertx.executeBlocking(() -> DurableDeliveryStore.open(file)));
    DeliveryService resumed = service(vertx, "outbox", store);
    try {
      assertResumed(vertx, clock, resumed, failing, gone);
    } finally {
      Await.result(resumed.stop()); // its workers first, then the file they write to
      store.close();
    }
  }
}
