package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.genserver.time.ManualClock;

/** Nothing accepted is lost: a worker's state survives its restart, and, stored durably, a killed process. */
class RestartTest extends OnManualClock {

  private static final int COUNT = 5;
  /** Long slots: a retry cannot come due while a process is being killed and started again. */
  static final RetryPolicy POLICY = RetryPolicy.http().withSlots(List.of(Duration.ofHours(1), Duration.ofHours(2)));

  static DeliveryService service(Vertx vertx, String name, DeliveryStore store) {
    return Await.result(DeliveryService.start(vertx, name, new HttpTransport(vertx,
        new HttpTransportOptions().allowAddress("127.0.0.1")),
        new DeliveryWorkerOptions().setStore(store).setRandom(() -> 0).setRetryPolicy(POLICY)));
  }

  private Map<String, Long> dueTimes(DeliveryService service, String target) {
    Map<String, Long> due = new TreeMap<>();
    Await.result(DeliveryWorker.pending(vertx, service.workerFor(target))).forEach(p -> due.put(p.id(), p.dueMillis()));
    return due;
  }

  /** After a restart: retries (with their due times) and dead letters as they were, and the schedule goes on. */
  private void assertResumed(DeliveryService service, Peer failing, Peer gone, Map<String, Long> dueBefore) {
    List<DeliveryStatus> pending = Await.result(DeliveryWorker.pending(vertx, service.workerFor(failing.inbox())));
    assertEquals(COUNT, pending.size());
    for (DeliveryStatus status : pending) {
      assertEquals(1, status.attempts(), status.id());
      assertTrue(status.lastFailure().orElse("").contains("500"), status.toString());
    }
    assertEquals(dueBefore, dueTimes(service, failing.inbox()), "due times survive, to the millisecond");
    List<DeadLetter> letters = Await.result(DeliveryWorker.deadLetters(vertx, service.workerFor(gone.inbox())));
    assertEquals(COUNT, letters.size());
    assertTrue(letters.stream().allMatch(l -> l.lastStatus() == 410 && l.attempts() == 1));
    long due = pending.stream().mapToLong(DeliveryStatus::dueMillis).max().orElseThrow();
    int before = failing.seen.size();
    clock.advance(Duration.ofMillis(Math.max(0, due - clock.currentTimeMillis())));
    until(service, failing.inbox(), s -> s.retried() == COUNT, "the schedule goes on");
    assertEquals(before + COUNT, failing.seen.size(), "each retried once");
    for (Peer.Seen retry : List.copyOf(failing.seen).subList(before, before + COUNT)) {
      String id = retry.header("idempotency-key");
      assertTrue(retry.atMillis() >= dueBefore.get(id), id + " retried no earlier than its due time");
    }
  }

  /** Enqueues COUNT deliveries to each peer and waits until each was tried once. */
  private void fill(DeliveryService service, Peer failing, Peer gone) {
    for (int i = 0; i < COUNT; i++) {
      Await.result(service.enqueue(new Delivery("retrying-" + i, failing.inbox(), new JsonObject())));
      Await.result(service.enqueue(new Delivery("dead-" + i, gone.inbox(), new JsonObject())));
    }
    until(service, failing.inbox(), s -> s.retried() == COUNT, "first failures");
    until(service, gone.inbox(), s -> s.deadLettered() == COUNT, "dead letters");
  }

  @Test
  void aRestartedServiceFindsItsRetriesAndDeadLettersAndGoesOn() {
    Peer failing = Peer.start(vertx, n -> Peer.status(500));
    Peer gone = Peer.start(vertx, n -> Peer.status(410));
    InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    DeliveryService first = service(vertx, "outbox", store);
    fill(first, failing, gone);
    Map<String, Long> due = dueTimes(first, failing.inbox());
    Await.result(first.stop());
    clock.advance(Duration.ofMinutes(10)); // time passes while it is down
    assertResumed(service(vertx, "outbox", store), failing, gone, due);
  }

  @Test
  void aCrashedWorkerIsRestartedWithItsStateAndEnqueuesDuringTheRestartAreAccepted() {
    Peer failing = Peer.start(vertx, n -> Peer.status(500));
    Peer gone = Peer.start(vertx, n -> Peer.status(410));
    DeliveryService service = service(vertx, "outbox", new InMemoryDeliveryStore());
    fill(service, failing, gone);
    Map<String, Long> due = dueTimes(service, failing.inbox());
    ServerRef crashed = GenServer.whereisLocal(vertx, service.workerFor(failing.inbox())).orElseThrow();
    // Enqueues race the crash and the restart: each is accepted once, none makes a second worker.
    List<Future<Boolean>> racing = new ArrayList<>();
    Future<Void> killed = GenServer.kill(vertx, crashed);
    for (int i = 0; i < 20; i++) {
      racing.add(service.enqueue(new Delivery("racing-" + i, failing.inbox(), new JsonObject()), Duration.ofHours(5)));
    }
    Await.result(killed);
    racing.forEach(f -> assertTrue(Await.result(f), "accepted"));
    Await.until(() -> GenServer.whereisLocal(vertx, service.workerFor(failing.inbox())).isPresent(), "restarted");
    assertNotEquals(crashed, GenServer.whereisLocal(vertx, service.workerFor(failing.inbox())).orElseThrow());
    Map<String, Long> after = dueTimes(service, failing.inbox());
    assertEquals(COUNT + 20, after.size(), "the retries and every racing enqueue: " + after.keySet());
    after.keySet().retainAll(due.keySet());
    assertEquals(due, after, "the retries' due times survive the crash");
    Await.result(service.stop());
  }

  @Test
  void aKilledProcessLosesNothingItAcceptedToTheDurableStore() throws Exception {
    Peer failing = Peer.start(vertx, n -> Peer.status(500));
    Peer gone = Peer.start(vertx, n -> Peer.status(410));
    Path dir = Files.createTempDirectory("delivery-store");
    Path file = dir.resolve("outbox.mv.db");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, DurableChild.class.getName(), file.toString(), failing.inbox(), gone.inbox(), String.valueOf(COUNT))
        .redirectErrorStream(true).start();
    Map<String, Long> due = new TreeMap<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String ready = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> { // a child that hangs does not hang the build
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
          if (line.startsWith("DUE ")) { // what the child's store holds, as it says
            String[] parts = line.split(" ");
            due.put(parts[1], Long.parseLong(parts[2]));
          }
        }
        return line;
      });
      assertEquals("READY", ready, "the child got ready");
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    assertEquals(COUNT, due.size(), "the child stored every first failure before it was killed");
    DurableDeliveryStore store = Await.result(vertx.executeBlocking(() -> DurableDeliveryStore.open(file)));
    DeliveryService resumed = service(vertx, "outbox", store);
    try {
      assertResumed(resumed, failing, gone, due);
    } finally {
      Await.result(resumed.stop()); // its workers first, then the file they write to
      store.close();
    }
  }
}
