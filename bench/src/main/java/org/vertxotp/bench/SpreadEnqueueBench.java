package org.vertxotp.bench;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.vertxotp.cluster.delivery.HazelcastDeliveryStore;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * An enqueue to a delivery service spread over the cluster, from a node that runs no part of it
 * (so every destination's worker is on the other node), enqueue to acknowledged (stored, with its
 * backup), beside a raw {@code IMap.setAsync} of the same record into the same map (backup count
 * 1) from the same node, one at a time, in alternating rounds. Two JVMs on loopback. The
 * deliveries are due in an hour: nothing is sent, this measures the acknowledgement alone.
 */
public final class SpreadEnqueueBench {

  static final String SERVICE = "bench-outbox";
  static final int DESTINATIONS = 50;
  static final int PER_ROUND = 2_000;
  static final int ROUNDS = 6;

  private SpreadEnqueueBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("serve")) {
      serve(args[1]);
    } else {
      run();
    }
  }

  private static Future<DeliveryService> service(Vertx vertx, boolean start) {
    return HazelcastDeliveryStore.of(vertx).compose(store -> HazelcastPlacement.of(vertx).compose(placement -> {
      HttpTransport transport = new HttpTransport(vertx, new HttpTransportOptions());
      DeliveryWorkerOptions options = new DeliveryWorkerOptions().setStore(store).setPlacement(placement);
      return start ? DeliveryService.start(vertx, SERVICE, transport, options)
          : Future.succeededFuture(DeliveryService.create(vertx, SERVICE, transport, options));
    }));
  }

  /** The node that runs the service's only part. */
  static void serve(String cluster) throws Exception {
    ServerNode.serve(cluster, vertx -> service(vertx, true).await(60, TimeUnit.SECONDS));
  }

  static void run() throws Exception {
    ServerNode.measure(SpreadEnqueueBench.class, SpreadEnqueueBench::measure);
  }


  private static void measure(Vertx client) throws Exception {
    DeliveryService outbox = service(client, false).await(60, TimeUnit.SECONDS);
    HazelcastPlacement placement = HazelcastPlacement.of(client).await(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (placement.nodeOf(SERVICE, "peer0.example:443").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10); // the server's part is not counted here yet
    }
    IMap<String, HazelcastJsonValue> map = client.executeBlocking(() -> org.vertxotp.cluster.impl.ClusterInternals
        .hazelcastOf(client).orElseThrow().<String, HazelcastJsonValue>getMap(HazelcastDeliveryStore.DEFAULT_MAP))
        .await(30, TimeUnit.SECONDS);
    Context context = client.getOrCreateContext();
    JsonObject payload = new JsonObject().put("type", "Create").put("object", "x".repeat(200));
    int[] serial = {0};
    IntFunction<Future<?>> ours = i -> outbox.enqueue(new Delivery("e" + serial[0]++,
        "https://peer" + (i % DESTINATIONS) + ".example/inbox", payload), Duration.ofHours(1));
    IntFunction<Future<?>> raw = i -> Future.fromCompletionStage(map.setAsync("raw\u0000" + serial[0]++,
        new HazelcastJsonValue(new JsonObject().put("worker", "raw").put("kind", "pending").put("record",
            new JsonObject().put("delivery", payload).put("attempts", 0)).encode())));
    sequential(context, ours, DESTINATIONS); // starts every worker on the other node
    sequential(context, ours, PER_ROUND); // warm-up, both ways
    sequential(context, raw, PER_ROUND);
    List<long[]> oursRounds = new ArrayList<>();
    List<long[]> rawRounds = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) { // alternating, and which goes first alternates too
      if (round % 2 == 0) {
        oursRounds.add(sequential(context, ours, PER_ROUND));
        rawRounds.add(sequential(context, raw, PER_ROUND));
      } else {
        rawRounds.add(sequential(context, raw, PER_ROUND));
        oursRounds.add(sequential(context, ours, PER_ROUND));
      }
    }
    long[] o = merged(oursRounds);
    long[] r = merged(rawRounds);
    System.out.println();
    System.out.println("Enqueue to acknowledged from a node that runs no part of the service, two JVMs on loopback ("
        + ROUNDS + " alternating rounds of " + PER_ROUND + ", one at a time)");
    System.out.printf("%-28s %10s %10s %9s%n", "", "ours", "raw", "ours/raw");
    for (double p : new double[] {0.5, 0.99}) {
      double ourMillis = Percentile.millisOf(o, p);
      double rawMillis = Percentile.millisOf(r, p);
      System.out.printf("%-28s %7.3f ms %7.3f ms %9.2f%n", "p" + Math.round(p * 100), ourMillis, rawMillis, ourMillis / rawMillis);
    }
    System.out.println("(raw: IMap.setAsync of the same record into the store's map, one backup, from the same node)");
  }

  private static long[] merged(List<long[]> rounds) {
    return rounds.stream().flatMapToLong(java.util.Arrays::stream).toArray();
  }

  /** The latency of each of {@code count} operations, one at a time, each started on {@code context}. */
  private static long[] sequential(Context context, IntFunction<Future<?>> operation, int count) throws Exception {
    long[] nanos = new long[count];
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> next(operation, nanos, 0, done));
    done.future().await(300, TimeUnit.SECONDS);
    return nanos;
  }

  private static void next(IntFunction<Future<?>> operation, long[] nanos, int i, Promise<Void> done) {
    if (i == nanos.length) {
      done.complete();
      return;
    }
    long started = System.nanoTime();
    operation.apply(i).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      nanos[i] = System.nanoTime() - started;
      next(operation, nanos, i + 1, done);
    });
  }
}
