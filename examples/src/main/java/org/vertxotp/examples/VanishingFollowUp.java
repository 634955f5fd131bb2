package org.vertxotp.examples;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.GenServerTransport;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartOptions;

/**
 * A scheduled follow-up whose target disappears: a reminder for the server "reminders" is due in
 * 300 ms, but that server stops before then. When it comes due it finds nobody holding the name,
 * which the gen_server transport takes as final (a server that is gone is not busy), and it ends
 * as dropped: not retried, and never fired later at whoever takes the name afterwards.
 *
 * <p>{@code java -cp examples/target/examples.jar org.vertxotp.examples.VanishingFollowUp}
 */
public final class VanishingFollowUp {

  private VanishingFollowUp() {
  }

  /** Runs the story; the follow-up worker's stats once the reminder has ended. Blocks: not on an event loop. */
  static DeliveryStats run(Vertx vertx) throws Exception {
    ServerName reminders = ServerName.of("reminders");
    GenServer.start(vertx, new KeyValueStore(), null, new StartOptions().setName(reminders)).await();
    DeliveryService followUps = DeliveryService.start(vertx, "follow-ups",
        new GenServerTransport(vertx, Duration.ofSeconds(1)),
        new DeliveryWorkerOptions().setRetryPolicy(RetryPolicy.followUp())).await();
    try {
      followUps.enqueue(new Delivery("remind-ann", reminders.name(), new JsonObject().put("remind", "ann")),
          Duration.ofMillis(300)).await();
      GenServer.stop(vertx, reminders).await(); // the target disappears before the follow-up is due
      ServerName worker = followUps.workerFor(reminders.name());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      DeliveryStats stats = DeliveryWorker.stats(vertx, worker).await();
      while (stats.dropped() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
        stats = DeliveryWorker.stats(vertx, worker).await();
      }
      return stats;
    } finally {
      followUps.stop().await();
    }
  }

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("org.vertxotp.delivery").setLevel(java.util.logging.Level.SEVERE);
    Vertx vertx = Vertx.vertx();
    try {
      DeliveryStats stats = run(vertx);
      System.out.println("the reminder ended: dropped " + stats.dropped() + ", delivered " + stats.delivered()
          + ", retried " + stats.retried() + ", pending " + stats.pending());
    } finally {
      vertx.close().await();
    }
  }
}
