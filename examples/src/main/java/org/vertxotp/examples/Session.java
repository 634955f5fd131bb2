package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reject;
import static org.vertxotp.genserver.Results.reply;
import static org.vertxotp.genserver.Results.stop;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.Timeout;

/**
 * A user's session that ends by itself when left idle: every callback returns its result with the
 * idle time ({@code {reply, R, S, Timeout}}), so the timeout fires only if no message arrives first
 * (Erlang's gen_server timeout, on a Vert.x timer). When it fires, the session stops normally.
 *
 * <p>{@code java -cp examples/target/examples.jar org.vertxotp.examples.Session}
 */
public final class Session implements GenServer<Duration, Session.State> {

  /** What the session keeps: who, the pages seen, and how long it may stay idle. */
  public record State(String user, List<String> pages, Duration idle) {}

  @Override
  public InitResult<State> init(Duration idle) {
    return ok(new State("ann", new ArrayList<>(), idle), idle);
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State session) {
    if (request instanceof String page) {
      session.pages().add(page);
      return reply(session.pages().size(), session, session.idle()); // the idle time starts again
    }
    return reject("a session is told the pages visited", session);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State session) {
    if (message instanceof Timeout) {
      return stop(ExitReason.normal(), session); // nobody came for the idle time: the session ends
    }
    return noreply(session, session.idle());
  }

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ServerRef session = GenServer.start(vertx, new Session(), Duration.ofMillis(300), new StartOptions()).await();
      Monitors.monitor(vertx, session, down -> System.out.println("session ended: " + down.reason()));
      for (String page : List.of("/home", "/inbox", "/settings")) {
        System.out.println(page + ": page " + GenServer.call(vertx, session, page).await() + " of the session");
        vertx.timer(200).await(); // under the idle time: the session stays
      }
      vertx.timer(500).await(); // over it: the session ends
    } finally {
      vertx.close().await();
    }
  }
}
