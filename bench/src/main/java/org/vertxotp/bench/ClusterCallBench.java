package org.vertxotp.bench;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reply;

import com.hazelcast.config.Config;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.cluster.ClusterConfig;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartOptions;

/**
 * Calls between two nodes, each a JVM of its own on loopback: by cluster name through the toolkit,
 * beside raw clustered {@code request()} to a cluster-visible consumer, from the same client
 * process in alternating rounds. Sequential (one call at a time) and pipelined (64 in flight).
 * Then how soon a new name is usable from the other node: the toolkit registers a named server
 * there, the raw side a new consumer, and the client measures from asking to its first successful
 * request (the raw side retries while the event bus has no handler for the address yet).
 */
public final class ClusterCallBench {

  static final ServerName ECHO = ServerName.of("bench.echo");
  static final String RAW = "bench.raw.echo";
  static final int SEQUENTIAL = 3_000;
  static final int PIPELINED = 30_000;
  static final int IN_FLIGHT = 64;
  static final int ROUNDS = 6;
  static final int NEW_NAMES = 200;

  /** Held so that the level set on it stays set. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  /** Warns after a member shut down in good order (hazelcast/hazelcast#26319): nothing to act on. */
  private static final Logger RECONNECTS = Logger.getLogger("com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler");

  private ClusterCallBench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("serve")) {
      serve(args[1]);
    } else {
      run();
    }
  }

  static Config config(String cluster) {
    HAZELCAST.setLevel(Level.WARNING);
    RECONNECTS.setLevel(Level.SEVERE);
    return ClusterConfig.loopback(cluster);
  }

  /** The server node: the echo server, a raw echo consumer, and on request new names and consumers. */
  static void serve(String cluster) throws Exception {
    ServerNode.serve(cluster, vertx -> {
      GenServer.start(vertx, new Spawner(vertx), null, new StartOptions().setName(ECHO)).await(30, TimeUnit.SECONDS);
      vertx.eventBus().<Object>consumer(RAW, m -> {
        if (m.body() instanceof String s && s.startsWith("consumer:")) {
          String address = s.substring("consumer:".length());
          vertx.eventBus().consumer(address, n -> n.reply("here")).completion().onComplete(ar -> m.reply("ok"));
        } else {
          m.reply(m.body());
        }
      }).completion().await(30, TimeUnit.SECONDS);
    });
  }

  /** Echoes; {@code "spawn:<name>"} starts a server registered as that name and replies once it is. */
  static final class Spawner implements GenServer<Void, Void> {
    private final Vertx vertx;

    Spawner(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<Void> init(Void args) {
      return ok(null);
    }

    @Override
    public CallResult<Void> handleCall(Object request, From from, Void state) {
      if (request instanceof String s && s.startsWith("spawn:")) {
        GenServer.start(vertx, new EchoServer(), null, new StartOptions().setName(s.substring("spawn:".length())))
            .onComplete(ar -> from.reply(ar.succeeded() ? "ok" : String.valueOf(ar.cause())));
        return noreply(state);
      }
      return reply(request, state);
    }
  }

  static void run() throws Exception {
    ServerNode.measure(ClusterCallBench.class, ClusterCallBench::measure);
  }


  private static void measure(Vertx client) throws Exception {
    Context context = client.getOrCreateContext();
    Supplier<Future<Object>> ours = () -> GenServer.call(client, ECHO, "ping");
    Supplier<Future<Object>> raw = () -> client.eventBus().request(RAW, "ping").map(m -> m.body());
    // warm-up: both ways, untimed
    rate(context, ours, SEQUENTIAL, 1);
    rate(context, raw, SEQUENTIAL, 1);
    rate(context, ours, PIPELINED, IN_FLIGHT);
    rate(context, raw, PIPELINED, IN_FLIGHT);
    double[] seqOurs = new double[ROUNDS];
    double[] seqRaw = new double[ROUNDS];
    double[] pipeOurs = new double[ROUNDS];
    double[] pipeRaw = new double[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) { // alternating, and which goes first alternates too
      boolean oursFirst = round % 2 == 0;
      if (oursFirst) {
        seqOurs[round] = rate(context, ours, SEQUENTIAL, 1);
        seqRaw[round] = rate(context, raw, SEQUENTIAL, 1);
        pipeOurs[round] = rate(context, ours, PIPELINED, IN_FLIGHT);
        pipeRaw[round] = rate(context, raw, PIPELINED, IN_FLIGHT);
      } else {
        seqRaw[round] = rate(context, raw, SEQUENTIAL, 1);
        seqOurs[round] = rate(context, ours, SEQUENTIAL, 1);
        pipeRaw[round] = rate(context, raw, PIPELINED, IN_FLIGHT);
        pipeOurs[round] = rate(context, ours, PIPELINED, IN_FLIGHT);
      }
    }
    long[] nameNanos = new long[NEW_NAMES];
    long[] consumerNanos = new long[NEW_NAMES];
    for (int i = 0; i < NEW_NAMES; i++) {
      nameNanos[i] = newName(client, "bench.name." + i);
      consumerNanos[i] = newConsumer(client, "bench.consumer." + i);
    }
    System.out.println();
    System.out.println("Clustered calls, two JVMs on loopback (medians of " + ROUNDS + " alternating rounds)");
    System.out.printf("%-40s %12s %12s %8s%n", "", "ours", "raw", "ours/raw");
    row("sequential calls by name, calls/s", Percentile.of(seqOurs, 0.5), Percentile.of(seqRaw, 0.5));
    row(IN_FLIGHT + " in flight, calls/s", Percentile.of(pipeOurs, 0.5), Percentile.of(pipeRaw, 0.5));
    System.out.printf("%-40s %9.2f ms %9.2f ms %8.2f%n", "new name usable from the other node, p50",
        Percentile.millisOf(nameNanos, 0.5), Percentile.millisOf(consumerNanos, 0.5),
        Percentile.millisOf(nameNanos, 0.5) / Percentile.millisOf(consumerNanos, 0.5));
    System.out.printf("%-40s %9.2f ms %9.2f ms%n", "  p99", Percentile.millisOf(nameNanos, 0.99),
        Percentile.millisOf(consumerNanos, 0.99));
    System.out.println("(raw: a clustered request() to a cluster-visible consumer; a new consumer registered on the"
        + " other node and requested until it answers)");
  }

  private static void row(String what, double ours, double raw) {
    System.out.printf("%-40s %12.0f %12.0f %8.2f%n", what, ours, raw, ours / raw);
  }

  /** Calls per second: {@code count} calls with at most {@code inFlight} outstanding, sent from {@code context}. */
  private static double rate(Context context, Supplier<Future<Object>> call, int count, int inFlight) throws Exception {
    long started = System.nanoTime();
    InFlight.run(context, call, count, inFlight).await(120, TimeUnit.SECONDS);
    return count / ((System.nanoTime() - started) / 1e9);
  }

  private static long newName(Vertx client, String name) throws Exception {
    long started = System.nanoTime();
    GenServer.call(client, ECHO, "spawn:" + name).await(30, TimeUnit.SECONDS);
    GenServer.call(client, ServerName.of(name), "ping").await(30, TimeUnit.SECONDS);
    return System.nanoTime() - started;
  }

  private static long newConsumer(Vertx client, String address) throws Exception {
    long started = System.nanoTime();
    client.eventBus().request(RAW, "consumer:" + address).await(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) { // bounded: the consumer is known cluster-wide within milliseconds
      try {
        client.eventBus().request(address, "ping").await(30, TimeUnit.SECONDS);
        return System.nanoTime() - started;
      } catch (ReplyException notYet) {
        Thread.sleep(0, 200_000);
      }
    }
    throw new IllegalStateException(address + " never answered");
  }
}
