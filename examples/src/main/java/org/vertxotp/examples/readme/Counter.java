// README: counter
package org.vertxotp.examples.readme;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Vertx;
import java.time.Duration;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.Timeout;

/** A counter: GenServer<A, S> where A (Integer) is what init receives and S (Integer) is the state. */
public final class Counter implements GenServer<Integer, Integer> {

  @Override
  public InitResult<Integer> init(Integer start) {
    return ok(start);                                           // {ok, Start}
  }

  @Override
  public CallResult<Integer> handleCall(Object request, From from, Integer n) {
    if ("next".equals(request)) {
      return reply(n, n + 1);                                   // {reply, N, N + 1}
    }
    return reject("unknown request " + request, n);             // the caller gets BAD_MESSAGE, the server lives on
  }

  @Override
  public NoReplyResult<Integer> handleCast(Object message, Integer n) {
    return noreply(0, Duration.ofMinutes(5));                   // {noreply, 0, 300000}: reset, stop if idle 5 min
  }

  @Override
  public NoReplyResult<Integer> handleInfo(Object message, Integer n) {
    return message instanceof Timeout ? stop(ExitReason.normal(), n) : noreply(n);
  }

  /** Off the event loop (a main thread), await() blocks; inside a verticle or a server, compose instead. */
  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    try {
      GenServer.start(vertx, new Counter(), 41, new StartOptions().setName("counter")).await();
      int next = GenServer.<Integer>call(vertx, ServerName.of("counter"), "next").await();
      System.out.println("got " + next);                        // got 41
    } finally {
      vertx.close().await();                                    // stops every server, then Vert.x
    }
  }
}
// README end
