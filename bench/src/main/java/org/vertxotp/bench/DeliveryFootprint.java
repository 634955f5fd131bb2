package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.DurableDeliveryStore;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.engine.Event;
import org.vertxotp.delivery.engine.RetryEngine;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * What JMH does not measure well for the delivery worker: memory per pending delivery (the body is
 * one shared object, so it is not counted), and the latency of an acknowledged enqueue with each
 * store, each printed beside a baseline from this same process.
 */
public final class DeliveryFootprint {

  static final int PENDING = 200_000;
  static final int ENQUEUES = 2_000;
  static final int WARM_UP = 300;
  private static final JsonObject PAYLOAD = new JsonObject().put("type", "Note").put("content", "hello");
  private static final String INBOX = "http://127.0.0.1:9/inbox"; // never contacted: everything is due in an hour

  private static volatile Object retained;

  private DeliveryFootprint() {
  }

  public static void main(String[] args) throws Exception {
    run();
  }

  static void run() throws Exception {
    System.out.println();
    System.out.printf("%-62s %12s %12s %8s%n", "delivery worker (same process)", "ours", "baseline", "ratio");
    memory();
    latency();
  }

  private static void memory() {
    double engine = bytesPer(() -> {
      RetryEngine retry = new RetryEngine(new RetryEngine.Settings(RetryPolicy.http(), BreakerPolicy.http(), 4), () -> 0);
      for (int i = 0; i < PENDING; i++) {
        KeptWrites.apply(retry, new Event.Enqueue(new Delivery("d" + i, INBOX, PAYLOAD), 3_600_000, i), 0);
      }
      return retry;
    });
    double naive = naiveBytesPer();
    Vertx vertx = Vertx.vertx();
    try {
      Context caller = Caller.deploy(vertx);
      DeliveryService service = DeliveryService.start(vertx, "footprint", new HttpTransport(vertx, new HttpTransportOptions()),
          new DeliveryWorkerOptions()).await();
      double ours = bytesPer(() -> Caller.on(caller, () -> {
        List<Future<Boolean>> all = new ArrayList<>(PENDING);
        for (int i = 0; i < PENDING; i++) {
          all.add(service.enqueue(new Delivery("d" + i, INBOX, PAYLOAD), Duration.ofHours(1)));
        }
        return Future.all(all).map(done -> service);
      }));
      // The worker keeps a copy of each payload (a caller may change its own): that copy is the body, not counted.
      double body = bytesPer(() -> {
        List<JsonObject> copies = new ArrayList<>(PENDING);
        for (int i = 0; i < PENDING; i++) {
          copies.add(PAYLOAD.copy());
        }
        return copies;
      }) - 4; // the list's own reference per item
      System.out.printf("%-62s %10.0f B %10.0f B %8.2f%n", "memory per pending delivery, worker + in-memory store (" + PENDING + ")",
          ours - body, naive, (ours - body) / naive);
      System.out.printf("%-62s %10.0f B %10.0f B %8.2f%n", "  of which the retry engine alone", engine, naive, engine / naive);
      System.out.printf("%-62s %10.0f B%n", "  the worker's copy of the (small) body, not counted above", body);
      System.out.println("  (baseline: a vertx.setTimer per delivery and a map entry to find it by id)");
    } finally {
      vertx.close().await();
    }
  }

  /** The naive design: a Vert.x timer per delivery, and a map to find it by id. */
  private static double naiveBytesPer() {
    Vertx vertx = Vertx.vertx();
    try {
      Context producer = Caller.deploy(vertx);
      return bytesPer(() -> Caller.on(producer, () -> {
        Map<String, Object[]> byId = new HashMap<>();
        for (int i = 0; i < PENDING; i++) {
          Delivery delivery = new Delivery("d" + i, INBOX, PAYLOAD);
          long timer = vertx.setTimer(3_600_000, id -> byId.remove(delivery.id()));
          byId.put(delivery.id(), new Object[] {delivery, timer});
        }
        return Future.succeededFuture(byId);
      }));
    } finally {
      vertx.close().await();
    }
  }

  private static void latency() throws IOException {
    Path dir = Files.createTempDirectory("delivery-bench");
    Vertx vertx = Vertx.vertx();
    try {
      Context producer = Caller.deploy(vertx);
      double[] memory = enqueueLatencies(vertx, producer, "in-memory", new DeliveryWorkerOptions());
      DurableDeliveryStore synced = DurableDeliveryStore.open(dir.resolve("synced.mv"), true);
      DurableDeliveryStore unsynced = DurableDeliveryStore.open(dir.resolve("unsynced.mv"), false);
      double[] durable = enqueueLatencies(vertx, producer, "durable", new DeliveryWorkerOptions().setStore(synced));
      double[] written = enqueueLatencies(vertx, producer, "written", new DeliveryWorkerOptions().setStore(unsynced));
      double[] floor = mvStoreFloor(dir.resolve("raw.mv"), true);
      double[] writtenFloor = mvStoreFloor(dir.resolve("raw-written.mv"), false);
      synced.close();
      unsynced.close();
      row("enqueue p50, durable store (MVStore, commit + fsync)", durable[0], floor[0]);
      row("enqueue p99, durable store (MVStore, commit + fsync)", durable[1], floor[1]);
      row("enqueue p50, durable store without fsync (commit only)", written[0], writtenFloor[0]);
      row("enqueue p99, durable store without fsync (commit only)", written[1], writtenFloor[1]);
      System.out.println("  (baseline: a raw MVStore put + commit (+ fsync) on the calling thread, nothing around it)");
      System.out.printf("  (in-memory store: p50 %.3f ms, p99 %.3f ms; an enqueue is a call to the worker, acknowledged once stored)%n",
          memory[0], memory[1]);
    } finally {
      vertx.close().await();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void row(String what, double ours, double base) {
    System.out.printf("%-62s %9.3f ms %9.3f ms %8.2f%n", what, ours, base, ours / base);
  }

  /** Enqueues one after another from the producer's context; p50 and p99 in milliseconds. */
  private static double[] enqueueLatencies(Vertx vertx, Context producer, String name, DeliveryWorkerOptions options) {
    DeliveryService service = DeliveryService.start(vertx, "latency-" + name, new HttpTransport(vertx, new HttpTransportOptions()),
        options).await();
    long[] nanos = new long[WARM_UP + ENQUEUES];
    Promise<Void> done = Promise.promise();
    producer.runOnContext(v -> chain(0, nanos.length, i -> {
      long start = System.nanoTime();
      return service.enqueue(new Delivery(name + i, INBOX, PAYLOAD), Duration.ofHours(1))
          .onSuccess(accepted -> nanos[i] = System.nanoTime() - start);
    }, done));
    done.future().await();
    service.stop().await();
    return percentiles(Arrays.copyOfRange(nanos, WARM_UP, nanos.length));
  }

  private static void chain(int i, int count, IntFunction<Future<?>> step, Promise<Void> done) {
    if (i == count) {
      done.complete();
      return;
    }
    step.apply(i).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        chain(i + 1, count, step, done);
      }
    });
  }

  /** What the store itself costs: put, commit (and fsync) on this thread, with nothing else around. */
  private static double[] mvStoreFloor(Path file, boolean sync) {
    MVStore store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    try {
      MVMap<String, String> map = store.openMap("pending");
      String json = PAYLOAD.encode();
      long[] nanos = new long[WARM_UP + ENQUEUES];
      for (int i = 0; i < nanos.length; i++) {
        long start = System.nanoTime();
        map.put("raw" + i, json);
        store.commit();
        if (sync) {
          store.sync();
        }
        nanos[i] = System.nanoTime() - start;
      }
      return percentiles(Arrays.copyOfRange(nanos, WARM_UP, nanos.length));
    } finally {
      store.close();
    }
  }

  private static double[] percentiles(long[] nanos) {
    return new double[] {Percentile.millisOf(nanos, 0.50), Percentile.millisOf(nanos, 0.99)};
  }

  /** Heap per item held by what {@code build} returns, measured around it. */
  private static double bytesPer(java.util.function.Supplier<Object> build) {
    long before = Heap.used();
    retained = build.get(); // reachable until measured
    long after = Heap.used();
    retained = null;
    return (after - before) / (double) PENDING;
  }
}
