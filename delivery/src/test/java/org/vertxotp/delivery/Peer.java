package org.vertxotp.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.time.Clock;

/**
 * A real HTTP peer for the tests: a vertx-web server on 127.0.0.1 with an ephemeral port that
 * answers as its script says (by the request's number, from 0), records every request with the
 * toolkit clock's time, and counts the connections it accepted and the most open at once.
 */
final class Peer {

  /** One request as the peer saw it. */
  record Seen(long atMillis, String path, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  /** How to answer. */
  record Answer(int status, Map<String, String> headers, Kind kind, long bodyBytes) {
    enum Kind { PLAIN, SILENT, TRICKLE, HUGE }
  }

  static Answer status(int status, String... headerPairs) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i + 1 < headerPairs.length; i += 2) {
      headers.put(headerPairs[i], headerPairs[i + 1]);
    }
    return new Answer(status, headers, Answer.Kind.PLAIN, 0);
  }

  /** Accepts, reads the request, and never answers. */
  static Answer silent() {
    return new Answer(0, Map.of(), Answer.Kind.SILENT, 0);
  }

  /** Sends 200 and its headers, then a byte every 50 ms, for ever. */
  static Answer trickle() {
    return new Answer(200, Map.of(), Answer.Kind.TRICKLE, 0);
  }

  /** Sends 200 with a body of {@code bytes}, as fast as the client takes it. */
  static Answer huge(long bytes) {
    return new Answer(200, Map.of(), Answer.Kind.HUGE, bytes);
  }

  final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger mostOpen = new AtomicInteger();
  final AtomicLong bodyBytesWritten = new AtomicLong();
  private final AtomicInteger requests = new AtomicInteger();
  private final Vertx vertx;
  private final IntFunction<Answer> script;
  /** Requests being answered now, and the most at once: what a sender had in flight. */
  final AtomicInteger answering = new AtomicInteger();
  final AtomicInteger mostAnswering = new AtomicInteger();
  private HttpServer server;

  private Peer(Vertx vertx, IntFunction<Answer> script) {
    this.vertx = vertx;
    this.script = script;
  }

  static Peer start(Vertx vertx, IntFunction<Answer> script) {
    Peer peer = startOn(vertx, "127.0.0.1", script);
    if (peer == null) {
      throw new IllegalStateException("cannot listen on 127.0.0.1");
    }
    return peer;
  }

  /** A peer listening on {@code host} (a loopback address), or null if this machine cannot listen there. */
  static Peer startOn(Vertx vertx, String host, IntFunction<Answer> script) {
    Peer peer = new Peer(vertx, script);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create()).handler(ctx -> {
      Map<String, String> headers = new LinkedHashMap<>();
      ctx.request().headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      peer.seen.add(new Seen(Clock.of(vertx).currentTimeMillis(), ctx.request().uri(), headers, ctx.body().buffer() == null
          ? new byte[0] : ctx.body().buffer().getBytes()));
      peer.mostAnswering.accumulateAndGet(peer.answering.incrementAndGet(), Math::max);
      ctx.response().endHandler(v -> peer.answering.decrementAndGet());
      peer.answer(peer.script.apply(peer.requests.getAndIncrement()), ctx.response());
    });
    io.vertx.core.Future<HttpServer> listening = vertx.createHttpServer()
        .connectionHandler(connection -> {
          peer.accepted.incrementAndGet();
          peer.mostOpen.accumulateAndGet(peer.open.incrementAndGet(), Math::max);
          connection.closeHandler(v -> peer.open.decrementAndGet());
        })
        .requestHandler(router)
        .listen(0, host);
    Await.failureOrResult(listening);
    if (listening.failed()) {
      return null; // the address is not there to listen on
    }
    peer.server = listening.result();
    return peer;
  }

  int port() {
    return server.actualPort();
  }

  String inbox() {
    return "http://127.0.0.1:" + port() + "/inbox";
  }

  Seen next() {
    return Await.next(seen);
  }

  private void answer(Answer answer, HttpServerResponse response) {
    switch (answer.kind()) {
      case SILENT:
        return;
      case TRICKLE:
        response.setChunked(true).setStatusCode(200).write("x");
        long timer = vertx.setPeriodic(50, t -> {
          if (!response.closed()) {
            response.write("x");
          }
        });
        response.closeHandler(v -> vertx.cancelTimer(timer));
        return;
      case HUGE:
        response.setChunked(true).setStatusCode(200);
        writeHuge(response, answer.bodyBytes(), Buffer.buffer(new byte[64 * 1024]));
        return;
      default:
        response.setStatusCode(answer.status());
        answer.headers().forEach(response::putHeader);
        response.end();
    }
  }

  private void writeHuge(HttpServerResponse response, long left, Buffer chunk) {
    while (left > 0 && !response.closed()) {
      if (response.writeQueueFull()) {
        long remaining = left;
        response.drainHandler(v -> writeHuge(response, remaining, chunk));
        return;
      }
      response.write(chunk);
      bodyBytesWritten.addAndGet(chunk.length());
      left -= chunk.length();
    }
    if (!response.closed()) {
      response.end();
    }
  }
}
