package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reply;

import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.GenServerTransport;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.ManualClock;

/** Follow-ups to servers on other nodes, when the cluster's table of names fails to answer. */
class ClusterFollowUpTest extends OnTestCluster {

  /** Makes every lookup of the names map fail while {@link #FAILING} is set: a registry that cannot answer. */
  static final class FailingLookups implements MapInterceptor {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILING = new AtomicBoolean();

    @Override
    public Object interceptGet(Object value) {
      if (FAILING.get()) {
        throw new IllegalStateException("the names map did not answer");
      }
      return null;
    }

    @Override
    public void afterGet(Object value) {
    }

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      return null;
    }

    @Override
    public void afterPut(Object value) {
    }

    @Override
    public Object interceptRemove(Object removedValue) {
      return null;
    }

    @Override
    public void afterRemove(Object value) {
    }
  }

  /** Answers every call. */
  static final class Reminders implements GenServer<Void, Void> {
    @Override
    public InitResult<Void> init(Void args) {
      return ok(null);
    }

    @Override
    public CallResult<Void> handleCall(Object request, From from, Void state) {
      return reply("done", state);
    }
  }

  @Test
  void aFollowUpWhoseTargetCouldNotBeLookedUpIsRetriedNotDroppedAndArrivesOnceTheLookupWorks() {
    Vertx a = cluster.node(); // one member: the interceptor is not sent anywhere (the cluster deserializes no class of ours)
    ManualClock clock = ManualClock.install(a);
    IMap<String, String> names = TestCluster.hazelcast(a).getMap(HazelcastNameRegistry.MAP);
    FailingLookups.FAILING.set(true);
    String interceptor = names.addInterceptor(new FailingLookups());
    try {
      RetryPolicy policy = RetryPolicy.followUp().withSlots(Collections.nCopies(3, Duration.ofMinutes(1)));
      DeliveryService followUps = Await.result(DeliveryService.start(a, "follow-ups",
          new GenServerTransport(a, Duration.ofSeconds(2)), new DeliveryWorkerOptions().setRetryPolicy(policy).setRandom(() -> 0)));
      Await.result(followUps.enqueue(new Delivery("remind-ann", "reminders", new JsonObject().put("ann", true))));
      Await.until(() -> stats(a, followUps).retried() == 1, "retried: the lookup failed");
      clock.advance(Duration.ofMinutes(1));
      Await.until(() -> stats(a, followUps).retried() == 2, "retried again: the lookup failed again");
      DeliveryStatus status = Await.result(DeliveryWorker.status(a, followUps.workerFor("reminders"), "remind-ann")).orElseThrow();
      assertTrue(status.lastFailure().orElseThrow().startsWith("LOOKUP_FAILED"), status.toString());
      assertEquals(0, stats(a, followUps).dropped(), "not dropped as if the target were gone");

      Await.result(GenServer.start(a, new Reminders(), null, new StartOptions().setName("reminders")));
      FailingLookups.FAILING.set(false);
      clock.advance(Duration.ofMinutes(1));
      Await.until(() -> stats(a, followUps).delivered() == 1, "delivered once the lookup works");
      assertEquals(List.of(), Await.result(DeliveryWorker.pending(a, followUps.workerFor("reminders"))));
    } finally {
      FailingLookups.FAILING.set(false);
      names.removeInterceptor(interceptor);
    }
  }

  private static DeliveryStats stats(Vertx vertx, DeliveryService service) {
    return Await.result(DeliveryWorker.stats(vertx, service.workerFor("reminders")));
  }
}
