package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.GenServerTransport;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.http.HttpSignatures;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.StartOptions;

/**
 * The delivery worker, end to end, in real time (its retry slots shortened to milliseconds): an
 * outbox posts signed activities to a peer's inboxes over HTTP; the peer is busy twice (503) before
 * it takes the first one, and answers 410 (gone) for the second, which becomes a dead letter,
 * announced on the event address. Then a scheduled follow-up is delivered to a gen_server by name.
 * The peer is a vertx-web server on 127.0.0.1 that checks every signature.
 *
 * <p>{@code java -cp examples/target/examples.jar org.vertxotp.examples.Outbox}
 */
public final class Outbox {

  private Outbox() {
  }

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      run(vertx, System.out::println);
    } finally {
      vertx.close().await();
    }
  }

  /** Runs the story on {@code vertx}, telling it line by line; blocks, so not on an event loop. */
  public static void run(Vertx vertx, Consumer<String> narrate) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    Promise<Void> accepted = Promise.promise();
    Promise<JsonObject> deadLettered = Promise.promise();
    Promise<Object> remembered = Promise.promise();
    HttpServer peer = inbox(vertx, keys.getPublic(), narrate, accepted);
    String base = "http://127.0.0.1:" + peer.actualPort();
    JsonObject activity = new JsonObject().put("type", "Create").put("actor", "https://example.social/users/bob")
        .put("object", new JsonObject().put("type", "Note").put("content", "hello"));

    // README: delivery
    HttpTransportOptions http = new HttpTransportOptions()
        .setSigner(HttpSignatures.signer("https://example.social/users/bob#main-key", keys.getPrivate()))
        .allowAddress("127.0.0.1"); // this peer is local: addresses inside are refused unless allowed
    DeliveryWorkerOptions options = new DeliveryWorkerOptions()
        .setRetryPolicy(RetryPolicy.http().withSlots(List.of(Duration.ofMillis(100), Duration.ofMillis(200))));
    vertx.eventBus().<JsonObject>consumer(options.getEventAddress(), event -> deadLettered.tryComplete(event.body()));
    DeliveryService outbox = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, http), options).await();
    outbox.enqueue(new Delivery("create-1", base + "/users/ann/inbox", activity)).await(); // acknowledged once stored
    outbox.enqueue(new Delivery("create-2", base + "/users/gone/inbox", activity)).await();
    // README end
    narrate.accept("outbox: 2 activities accepted (stored), posting them");
    accepted.future().await();
    JsonObject dead = deadLettered.future().await();
    String annsInbox = base + "/users/ann/inbox";
    long settleBy = System.nanoTime() + 5_000_000_000L;
    while (DeliveryWorker.stats(vertx, outbox.workerFor(annsInbox)).await().delivered() == 0) {
      if (System.nanoTime() > settleBy) { // the peer has answered; the worker settles the answer a moment later
        throw new IllegalStateException("the outbox did not settle create-1 within 5 s of the peer's answer");
      }
      Thread.sleep(10);
    }
    narrate.accept("event bus: " + dead.getString("event") + " " + dead.getString("id") + " after "
        + dead.getInteger("attempts") + " attempt(s): " + dead.getString("reason"));
    DeliveryStats stats = DeliveryWorker.stats(vertx, outbox.workerFor(annsInbox)).await();
    narrate.accept("outbox worker for " + stats.destination() + ": delivered " + stats.delivered() + ", retried "
        + stats.retried() + ", dead letters " + stats.deadLetters() + ", pending " + stats.pending());
    outbox.stop().await();

    GenServer.start(vertx, new Reminders(remembered), null, new StartOptions().setName("reminders")).await();
    // README: follow-up
    DeliveryService followUps = DeliveryService.start(vertx, "follow-ups",
        new GenServerTransport(vertx, Duration.ofSeconds(1)),
        new DeliveryWorkerOptions().setRetryPolicy(RetryPolicy.followUp())).await(); // 200, 400, 800 ms; then dropped
    followUps.enqueue(new Delivery("remind-ann", "reminders", new JsonObject().put("remind", "ann")),
        Duration.ofMillis(300)).await();                                              // a call to "reminders" in 300 ms
    // README end
    narrate.accept("follow-ups: a reminder is due in 300 ms");
    narrate.accept("reminders: got " + remembered.future().await());
    followUps.stop().await();
    GenServer.stop(vertx, org.vertxotp.genserver.ServerName.of("reminders")).await();
    peer.close().await();
  }

  /** The peer: checks each signature; ann's inbox is busy twice, then accepts; "gone" is gone. */
  private static HttpServer inbox(Vertx vertx, PublicKey key, Consumer<String> narrate, Promise<Void> accepted) {
    AtomicInteger annTries = new AtomicInteger();
    Router router = Router.router(vertx);
    router.post().handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.post("/users/:user/inbox").handler(ctx -> {
      Map<String, String> headers = new HashMap<>();
      ctx.request().headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
      boolean signed = HttpSignatures.verify("POST", ctx.request().uri(), headers, ctx.body().buffer().getBytes(), key);
      String user = ctx.pathParam("user");
      int status = !signed ? 401 : user.equals("gone") ? 410 : annTries.incrementAndGet() <= 2 ? 503 : 202;
      narrate.accept("peer: POST /users/" + user + "/inbox, " + (signed ? "signature verified" : "bad signature")
          + ", Idempotency-Key " + ctx.request().getHeader("Idempotency-Key") + " -> " + status);
      ctx.response().setStatusCode(status).end().onSuccess(v -> {
        if (status == 202) {
          accepted.tryComplete();
        }
      });
    });
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** A server that takes reminders. */
  static final class Reminders implements GenServer<Void, List<Object>> {
    private final Promise<Object> first;

    Reminders(Promise<Object> first) {
      this.first = first;
    }

    @Override
    public InitResult<List<Object>> init(Void args) {
      return ok(new ArrayList<>());
    }

    @Override
    public CallResult<List<Object>> handleCall(Object request, From from, List<Object> reminders) {
      reminders.add(request);
      first.tryComplete(request);
      return reply("noted", reminders);
    }
  }
}
