package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reply;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.Timers;

/**
 * A rate limiter: each client may make {@code limit} requests per window. The window of a client
 * is a keyed timer (OTP's gen_statem-style named timer, {@link Timers#startSingleTimer}), started
 * by its first request and keyed by the client: one timer per client, never two, and when it fires
 * the client's count is forgotten. A call {@code Request(client)} answers {@code true} (allowed) or
 * {@code false} (over the limit).
 *
 * <p>{@code java -cp examples/target/examples.jar org.vertxotp.examples.RateLimiter}
 */
public final class RateLimiter implements GenServer<RateLimiter.Limits, Map<String, Integer>> {

  /** {@code limit} requests per {@code window}. */
  public record Limits(int limit, Duration window) {}

  /** May {@code client} make a request now? */
  public record Request(String client) {}

  /** The window of {@code client} ended. */
  record WindowEnded(String client) {}

  private Limits limits;

  @Override
  public InitResult<Map<String, Integer>> init(Limits limits) {
    this.limits = limits;
    return ok(new HashMap<>());
  }

  @Override
  public CallResult<Map<String, Integer>> handleCall(Object request, From from, Map<String, Integer> counts) {
    String client = ((Request) request).client();
    int used = counts.merge(client, 1, Integer::sum);
    if (used == 1) { // its window starts with its first request
      Timers.startSingleTimer(client, new WindowEnded(client), limits.window());
    }
    return reply(used <= limits.limit(), counts);
  }

  @Override
  public NoReplyResult<Map<String, Integer>> handleInfo(Object message, Map<String, Integer> counts) {
    if (message instanceof WindowEnded ended) {
      counts.remove(ended.client());
    }
    return noreply(counts);
  }

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ServerRef limiter = GenServer.start(vertx, new RateLimiter(), new Limits(3, Duration.ofMillis(500)),
          new StartOptions()).await();
      for (int i = 1; i <= 5; i++) {
        System.out.println("ann, request " + i + ": " + (GenServer.<Boolean>call(vertx, limiter, new Request("ann")).await()
            ? "allowed" : "over the limit"));
      }
      System.out.println("bob, request 1: " + GenServer.call(vertx, limiter, new Request("bob")).await());
      vertx.timer(600).await(); // ann's window ends
      System.out.println("ann, after her window: " + GenServer.call(vertx, limiter, new Request("ann")).await());
    } finally {
      vertx.close().await();
    }
  }
}
