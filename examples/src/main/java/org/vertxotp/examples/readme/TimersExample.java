package org.vertxotp.examples.readme;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.OptionalLong;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.TimerTimeout;
import org.vertxotp.genserver.time.Timers;

/** Erlang's timers from a server's callbacks (where self() and keyed timers work) and from anywhere. */
public final class TimersExample implements GenServer<Vertx, Vertx> {

  @Override
  public InitResult<Vertx> init(Vertx vertx) {
    return ok(vertx);
  }

  @Override
  public CallResult<Vertx> handleCall(Object request, From from, Vertx vertx) {
    // README: timers
    TimerRef ref = Timers.sendAfter(vertx, Duration.ofSeconds(30), GenServer.self(), "retry"); // erlang:send_after
    TimerRef t = Timers.startTimer(vertx, Duration.ofMillis(50), ServerName.of("jobs"), "tick"); // delivers TimerTimeout(t, "tick")
    OptionalLong left = Timers.cancelTimer(ref);   // ms left, or empty (Erlang's false) if it fired or was cancelled
    OptionalLong read = Timers.readTimer(t);       // likewise, without cancelling
    Timers.startSingleTimer("backoff", "retry", Duration.ofMinutes(5)); // keyed: only in the server's callbacks
    // README end
    return reply(left.isPresent() && read.isPresent(), vertx);
  }

  @Override
  public NoReplyResult<Vertx> handleInfo(Object message, Vertx vertx) {
    if (message instanceof TimerTimeout timeout) {
      System.out.println("a timer started with startTimer fired: " + timeout.message());
    }
    return noreply(vertx);
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    try {
      // Registered as "jobs", the name its "tick" timer is sent to: the tick comes back to it.
      ServerRef ref = GenServer.start(vertx, new TimersExample(), vertx, new StartOptions().setName("jobs")).await();
      System.out.println("retry cancelled with time left, tick still pending: " + GenServer.call(vertx, ref, "arm").await());
      vertx.timer(200).await(); // the tick fires meanwhile (see handleInfo)
    } finally {
      vertx.close().await();
    }
  }
}
