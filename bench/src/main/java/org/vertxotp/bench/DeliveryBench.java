package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * Deliveries per second to a local vertx-web inbox answering 202, {@value #IN_FLIGHT} in flight.
 * Ours: a batch of {@value #BATCH} enqueued from a verticle to the delivery worker, which posts
 * them (in-memory store); done when the peer has answered all of them and the worker holds
 * nothing. Baseline: a raw vertx-web-client POST loop on one verticle, the same bodies, the same
 * number in flight, done when every answer is back.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeliveryBench {

  static final int BATCH = 2_000;
  static final int IN_FLIGHT = 16;

  private Vertx vertx;
  private InboxPeer peer;
  private Context producer;
  private DeliveryService service;
  private WebClient raw;
  private JsonObject activity;
  private long sequence;
  private long expectedAnswers;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    peer = InboxPeer.start(vertx);
    producer = Caller.deploy(vertx); // enqueues (ours) or posts (raw) from its own event loop
    HttpTransportOptions http = new HttpTransportOptions().allowAddress("127.0.0.1").setMaxConnectionsPerHost(IN_FLIGHT);
    service = DeliveryService.start(vertx, "bench-outbox", new HttpTransport(vertx, http),
        new DeliveryWorkerOptions().setMaxConcurrency(IN_FLIGHT)).await();
    raw = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
    activity = new JsonObject().put("@context", "https://www.w3.org/ns/activitystreams").put("type", "Create")
        .put("actor", "https://127.0.0.1/users/bench").put("object", new JsonObject().put("type", "Note").put("content", "hello"));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    service.stop().await();
    raw.close();
    peer.close();
    vertx.close().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void deliveryWorker() {
    long first = sequence;
    sequence += BATCH;
    expectedAnswers += BATCH;
    String inbox = peer.inbox();
    Promise<Void> accepted = Promise.promise();
    producer.runOnContext(v -> {
      List<Future<Boolean>> enqueued = new ArrayList<>(BATCH);
      for (long i = first; i < first + BATCH; i++) {
        enqueued.add(service.enqueue(new Delivery("d" + i, inbox, activity)));
      }
      Future.all(enqueued).<Void>mapEmpty().onComplete(accepted);
    });
    accepted.future().await();
    peer.awaitAnswered(expectedAnswers);
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (int polls = 0; ; polls++) { // the last outcomes settle a moment after the peer's answers
      DeliveryStats stats = DeliveryWorker.stats(vertx, service.workerFor(inbox)).await();
      if (stats.pending() == 0) {
        break;
      }
      if (polls == 10_000 || System.nanoTime() > deadline) {
        throw new IllegalStateException("still pending after the peer answered: " + stats);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawWebClientLoop() {
    expectedAnswers += BATCH;
    String inbox = peer.inbox();
    Buffer body = activity.toBuffer();
    Promise<Void> done = Promise.promise();
    producer.runOnContext(v -> new Object() {
      int sent;
      int answered;

      void start() {
        for (int i = 0; i < IN_FLIGHT; i++) {
          next();
        }
      }

      void next() {
        if (sent == BATCH) {
          return;
        }
        sent++;
        raw.postAbs(inbox).putHeader("content-type", HttpTransportOptions.DEFAULT_CONTENT_TYPE)
            .putHeader("user-agent", HttpTransportOptions.DEFAULT_USER_AGENT).sendBuffer(body).onComplete(ar -> {
          if (ar.failed()) {
            done.tryFail(ar.cause());
            return;
          }
          if (++answered == BATCH) {
            done.tryComplete();
          } else {
            next();
          }
        });
      }
    }.start());
    done.future().await();
  }
}
