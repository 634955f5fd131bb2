package org.vertxotp.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A vertx-web inbox on 127.0.0.1 (an ephemeral port) that answers every POST with 202 and counts the answers. */
final class InboxPeer {

  private final AtomicLong answered = new AtomicLong();
  private volatile Waiter waiter = new Waiter(Long.MAX_VALUE, new CompletableFuture<>());

  private record Waiter(long count, CompletableFuture<Void> reached) {}

  private final HttpServer server;

  private InboxPeer(HttpServer server) {
    this.server = server;
  }

  static InboxPeer start(Vertx vertx) {
    Router router = Router.router(vertx);
    InboxPeer[] peer = new InboxPeer[1];
    router.post("/inbox").handler(ctx -> ctx.response().setStatusCode(202).end().onSuccess(v -> peer[0].counted()));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    peer[0] = new InboxPeer(server);
    return peer[0];
  }

  String inbox() {
    return "http://127.0.0.1:" + server.actualPort() + "/inbox";
  }

  private void counted() {
    long count = answered.incrementAndGet();
    Waiter current = waiter; // read after counting: a waiter that missed this count is seen here
    if (count >= current.count()) {
      current.reached().complete(null);
    }
  }

  /** Waits (parked, bounded) until the peer has answered {@code count} POSTs in all; one waiter at a time. */
  void awaitAnswered(long count) {
    CompletableFuture<Void> signal = new CompletableFuture<>();
    waiter = new Waiter(count, signal);
    if (answered.get() >= count) {
      return;
    }
    try {
      signal.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the peer answered " + answered.get() + " of " + count + " within 60 s", e);
    }
  }

  void close() {
    server.close().await();
  }
}
