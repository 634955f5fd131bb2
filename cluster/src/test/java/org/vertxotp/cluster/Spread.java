package org.vertxotp.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.vertxotp.cluster.delivery.HazelcastDeliveryStore;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;

/**
 * The delivery service "spread" as the tests run it over a cluster: its workers spread over the
 * members that run a part of it ({@link HazelcastPlacement}), its state in Hazelcast, and an HTTP inbox on
 * 127.0.0.1 whose path's last segment is the destination (so that one inbox stands for many peers).
 */
final class Spread {

  static final String NAME = "spread";
  /** The destinations the tests use: {@code d0 .. d299}. */
  static final int DESTINATIONS = 300;
  /** The header that names the node a request came from. */
  static final String SENDER = "X-Sender-Node";

  private Spread() {
  }

  /** HTTP to the inbox; one worker per last path segment of the target, not per host. */
  record ByPath(HttpTransport http) implements Transport {
    @Override
    public String destinationOf(String target) {
      return target.substring(target.lastIndexOf('/') + 1);
    }

    @Override
    public Future<Outcome> send(Delivery delivery, int attempt) {
      return http.send(delivery, attempt);
    }

    @Override
    public Optional<Duration> attemptBound() {
      return http.attemptBound();
    }

    @Override
    public Future<Void> close() {
      return http.close();
    }
  }

  /** How long after it is enqueued a delivery whose id begins with {@code late-} is due: until a test flushes it. */
  static final Duration LATE = Duration.ofHours(1);

  /** Two deliveries to destination {@code d<destination>} of the inbox at {@code base}: {@code id-<d>}, due now, and {@code late-<d>}, due {@link #LATE}. */
  static java.util.List<Delivery> deliveries(String base, int destination) {
    String target = base + "/inbox/d" + destination;
    return java.util.List.of(new Delivery("id-" + destination, target, new io.vertx.core.json.JsonObject().put("d", destination)),
        new Delivery("late-" + destination, target, new io.vertx.core.json.JsonObject().put("d", destination)));
  }

  static Duration dueIn(Delivery delivery) {
    return delivery.id().startsWith("late-") ? LATE : Duration.ZERO;
  }

  /** This node's part of the service. */
  static Future<DeliveryService> start(Vertx vertx) {
    return HazelcastDeliveryStore.of(vertx).compose(store -> HazelcastPlacement.of(vertx).compose(placement ->
        DeliveryService.start(vertx, NAME,
            // One inbox stands in for a peer per destination: enough connections for all of them.
            new ByPath(new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1")
                .setMaxConnectionsPerHost(400).putHeader(SENDER, TestCluster.id(vertx)))),
            new DeliveryWorkerOptions().setStore(store).setPlacement(placement)
                .setRetryPolicy(org.vertxotp.delivery.RetryPolicy.http().withSlots(List.of(Duration.ofMillis(200),
                    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)))))));
  }

  /** How many workers of the service run on {@code node}, of destinations {@code d0 .. d<count-1>}. */
  static int workersOn(Vertx node, int count) {
    int running = 0;
    for (int i = 0; i < count; i++) {
      if (GenServer.whereisLocal(node, ServerName.of(NAME + "/d" + i)).isPresent()) {
        running++;
      }
    }
    return running;
  }

  /**
   * An HTTP inbox on 127.0.0.1 that answers 202 after {@code answerMillis}, and keeps, by delivery
   * id, how often each was accepted ({@code seen}), which requests it has not answered yet and when
   * it first accepted each.
   */
  static final class Inbox {
    final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    final java.util.Set<String> open = ConcurrentHashMap.newKeySet();
    final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
    /** Every request: the node it came from and when it arrived (System.nanoTime), in arrival order. */
    final java.util.Queue<Arrival> arrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final HttpServer server;

    Inbox(Vertx vertx) {
      this(vertx, 0);
    }

    Inbox(Vertx vertx, long answerMillis) {
      this(vertx, answerMillis, 0);
    }

    /**
     * An inbox that also answers 503 (busy: retried later) to the first {@code busyTimes} requests
     * of each delivery {@code id-<d>} with {@code d} a multiple of 4.
     */
    Inbox(Vertx vertx, long answerMillis, int busyTimes) {
      Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
      // A node killed with requests open resets its connections: the peer takes that quietly, as peers do.
      server = Await.result(vertx.createHttpServer()
          .connectionHandler(connection -> connection.exceptionHandler(reset -> { }))
          .requestHandler(request -> request.exceptionHandler(reset -> { }).body().onSuccess(body -> {
        String id = request.getHeader("Idempotency-Key");
        arrivals.add(new Arrival(id, request.getHeader(SENDER), System.nanoTime()));
        open.add(id);
        boolean busy = id.startsWith("id-") && Integer.parseInt(id.substring(3)) % 4 == 0
            && tries.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet() <= busyTimes;
        Runnable answer = () -> {
          open.remove(id);
          if (busy) {
            request.response().setStatusCode(503).end();
            return;
          }
          seen.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
          answeredAt.putIfAbsent(id, System.nanoTime());
          request.response().setStatusCode(202).end();
        };
        if (answerMillis == 0) {
          answer.run();
        } else {
          vertx.setTimer(answerMillis, t -> answer.run());
        }
      })).listen(0, "127.0.0.1"));
    }

    record Arrival(String id, String node, long atNanos) {}

    String base() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    String target(int destination) {
      return base() + "/inbox/d" + destination;
    }

    long twice() {
      return seen.values().stream().filter(n -> n.get() > 1).count();
    }
  }
}
