package org.vertxotp.cluster;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.time.Timers;

/**
 * A singleton that acts where a test can see it: every {@value #EVERY_MILLIS} ms it tells an HTTP
 * inbox on 127.0.0.1 that it ticked, with its node, its incarnation (its ref) and when it decided
 * to (System.nanoTime, one clock for every process on Linux).
 */
final class Ticking implements GenServer<String, Ticking.State> {

  static final String NAME = "ticking";
  static final long EVERY_MILLIS = 50;

  record State(HttpClient client, int port) {}

  private record Tick() {}

  private final Vertx vertx;

  private Ticking(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The singleton's spec, ticking to the inbox on {@code port}. */
  static ChildSpec spec(int port) {
    return ChildSpec.of(NAME, (vertx, options, args) -> GenServer.start(vertx, new Ticking(vertx), "127.0.0.1:" + port,
        options)).withName(NAME);
  }

  @Override
  public InitResult<State> init(String inbox) {
    Timers.sendAfter(vertx, Duration.ofMillis(EVERY_MILLIS), GenServer.self(), new Tick());
    return ok(new State(vertx.createHttpClient(), Integer.parseInt(inbox.substring(inbox.indexOf(':') + 1))));
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State state) {
    if (message instanceof Tick) {
      long decided = System.nanoTime();
      String incarnation = GenServer.self().toString();
      state.client().request(HttpMethod.POST, state.port(), "127.0.0.1", "/tick")
          .compose(request -> request.putHeader(Spread.SENDER, TestCluster.id(vertx)).putHeader("X-Incarnation", incarnation)
              .putHeader("X-Decided", Long.toString(decided)).send())
          .compose(HttpClientResponse::body);
      Timers.sendAfter(vertx, Duration.ofMillis(EVERY_MILLIS), GenServer.self(), new Tick());
    }
    return noreply(state);
  }

  @Override
  public void terminate(ExitReason reason, State state) {
    state.client().close();
  }

  /** The inbox: keeps every tick, in arrival order. */
  static final class Inbox {
    record Arrival(String node, String incarnation, long decidedNanos, long atNanos) {}

    final Queue<Arrival> ticks = new ConcurrentLinkedQueue<>();
    final HttpServer server;

    Inbox(Vertx vertx) {
      server = Await.result(vertx.createHttpServer()
          .connectionHandler(connection -> connection.exceptionHandler(reset -> { }))
          .requestHandler(request -> request.exceptionHandler(reset -> { }).body().onSuccess(body -> {
            ticks.add(new Arrival(request.getHeader(Spread.SENDER), request.getHeader("X-Incarnation"),
                Long.parseLong(request.getHeader("X-Decided")), System.nanoTime()));
            request.response().end();
          })).listen(0, "127.0.0.1"));
    }

    int port() {
      return server.actualPort();
    }

    Future<Void> close() {
      return server.close();
    }
  }
}
