package org.vertxotp.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * The process {@code RestartTest} kills: a node with a durable store that accepts deliveries to
 * a failing peer, waits until each was tried once (and its retry stored), says READY, and waits
 * to be killed.
 *
 * <p>Arguments: the store file, a failing inbox, a gone one (410), and how many deliveries to each.
 */
public final class DurableChild {

  private DurableChild() {
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String failing = args[1];
    String gone = args[2];
    int count = Integer.parseInt(args[3]);
    Vertx vertx = Vertx.vertx();
    DurableDeliveryStore store = vertx.executeBlocking(() -> DurableDeliveryStore.open(file)).await();
    DeliveryService service = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx,
        new HttpTransportOptions().allowAddress("127.0.0.1")),
        new DeliveryWorkerOptions().setStore(store).setRandom(() -> 0).setRetryPolicy(RestartTest.POLICY)).await();
    for (int i = 0; i < count; i++) {
      service.enqueue(new Delivery("retrying-" + i, failing, new JsonObject().put("n", i))).await();
      service.enqueue(new Delivery("dead-" + i, gone, new JsonObject().put("n", i))).await();
    }
    // Ready once the store itself holds every first failure: that is what must survive the kill.
    String retrying = service.workerFor(failing).name();
    String dead = service.workerFor(gone).name();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var pending = store.load(retrying).await().pending();
      var letters = store.load(dead).await().deadLetters();
      if (letters.size() == count && pending.size() == count && pending.stream().allMatch(p -> p.attempts() == 1)) {
        pending.forEach(p -> System.out.println("DUE " + p.delivery().id() + " " + p.dueMillis()));
        break;
      }
      Thread.sleep(10);
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Duration.ofMinutes(5).toMillis()); // killed long before
  }
}
