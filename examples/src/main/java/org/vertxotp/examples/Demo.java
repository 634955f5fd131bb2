package org.vertxotp.examples;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;

/**
 * The main demo, on one embedded node: an outbox delivers a few hundred activities to a peer's
 * inbox over HTTP, through a delivery worker (a gen_server) with its retry schedule compressed from
 * hours to seconds. The peer runs here, on 127.0.0.1, and is flaky on purpose:
 * <ul>
 *   <li>every tenth activity is gone (410): a permanent failure, dead-lettered at once, never
 *       retried;</li>
 *   <li>every twentieth, from the second, is always busy (503): retried on the schedule, then
 *       dead-lettered after the last slot;</li>
 *   <li>two in ten are busy twice with {@code Retry-After: 1}, then accepted (each such answer
 *       holds the whole inbox for a while: a second, compressed like the slots to 250 ms);</li>
 *   <li>one in ten is answered slowly (600 ms);</li>
 *   <li>the rest are accepted at once (202).</li>
 * </ul>
 * A progress line shows delivered, pending (waiting for a retry or a first try), retries and
 * dead-lettered counts (redrawn in place on a terminal, a plain line a second otherwise), then a
 * summary table. Exits 0 once every activity is delivered or dead-lettered.
 *
 * <pre>
 * java -jar examples/target/examples.jar [--count N] [--inbox URL] [--clustered]
 * </pre>
 * {@code --inbox} posts to a real inbox instead (with the SSRF guard on: no private or loopback
 * addresses), {@code --count} activities (default 300, at most 10,000). {@code --clustered} runs
 * three nodes, in three processes, with the outbox spread over them, and pauses one and kills
 * another mid-run (see {@link ClusteredDemo}).
 */
public final class Demo {

  static final int DEFAULT_COUNT = 300;
  static final int MAX_COUNT = 10_000;
  /** The compressed schedule: a retry after 0.25, 0.5, 1 and 2 s, then a dead letter. */
  static final List<Duration> SLOTS = List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(2));

  /** What a run delivered, as the worker counts it. */
  record Summary(int count, long delivered, long retried, long deadLettered, long dropped, long millis,
                 boolean settled) {
  }

  /** What to run: how many activities, to which inbox (null: the flaky local peer), with which slots. */
  record Settings(int count, String inbox, List<Duration> slots, boolean clustered) {
    static Settings parse(String[] args) {
      int count = DEFAULT_COUNT;
      String inbox = null;
      boolean clustered = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--count" -> count = Integer.parseInt(value(args, ++i, "--count"));
          case "--inbox" -> inbox = value(args, ++i, "--inbox");
          case "--clustered" -> clustered = true;
          default -> throw new IllegalArgumentException("unknown argument " + args[i]
              + "; use [--count N] [--inbox URL] [--clustered]");
        }
      }
      if (count < 1 || count > MAX_COUNT) {
        throw new IllegalArgumentException("--count must be between 1 and " + MAX_COUNT);
      }
      if (clustered && inbox != null) {
        throw new IllegalArgumentException("--clustered runs its own flaky inbox: leave out --inbox");
      }
      return new Settings(count, inbox, SLOTS, clustered);
    }

    private static String value(String[] args, int i, String flag) {
      if (i >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return args[i];
    }
  }

  private Demo() {
  }

  /** Held, so that its level stays set: the demo shows what it does on its progress line, not in warnings. */
  private static final Logger DELIVERY = Logger.getLogger("org.vertxotp.delivery");

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(ClusteredDemo.NODE_FLAG)) {
      ClusteredDemo.node(args);
      return;
    }
    Settings settings;
    try {
      settings = Settings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    DELIVERY.setLevel(Level.SEVERE); // the peer is flaky on purpose: its failures are the story, told below
    if (settings.clustered()) {
      int status;
      try {
        status = ClusteredDemo.run(settings, System.out, isTerminal()).settled() ? 0 : 1;
      } catch (Exception e) {
        System.out.println("demo failed: " + e);
        status = 1;
      }
      System.exit(status);
      return;
    }
    Vertx vertx = Vertx.vertx();
    int status;
    try {
      Summary summary = run(vertx, settings, System.out, isTerminal());
      status = summary.settled() ? 0 : 1;
    } catch (Exception e) {
      System.out.println("demo failed: " + e);
      status = 1;
    } finally {
      vertx.close().await(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    System.exit(status);
  }

  /** True if the output is a terminal (where the progress line is redrawn in place). */
  static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try { // from JDK 22, a console exists for redirected output too; it says whether it is a terminal
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException olderJdk) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  /** Runs the demo on {@code vertx}, printing to {@code out}; blocks (not on an event loop) until it settles. */
  static Summary run(Vertx vertx, Settings settings, PrintStream out, boolean terminal) throws Exception {
    HttpServer peer = null;
    String inbox = settings.inbox();
    HttpTransportOptions http = new HttpTransportOptions();
    if (inbox == null) {
      peer = FlakyPeer.start(vertx);
      inbox = "http://127.0.0.1:" + peer.actualPort() + "/users/ann/inbox";
      http.allowAddress("127.0.0.1"); // the peer is this machine: the SSRF guard lets this one address through
      out.println("peer: a flaky inbox at " + inbox);
    }
    DeliveryWorkerOptions options = new DeliveryWorkerOptions()
        .setRetryPolicy(RetryPolicy.http().withSlots(settings.slots()).withMaxRetryAfter(Duration.ofMillis(250)))
        .setMaxConcurrency(16)
        .setBreaker(BreakerPolicy.holding(50, Duration.ofSeconds(1)));
    DeliveryService outbox = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, http), options)
        .await(30, java.util.concurrent.TimeUnit.SECONDS);
    long started = System.nanoTime();
    try {
      out.println("outbox: accepting " + settings.count() + " activities (each is stored before it is acknowledged)");
      List<Future<Boolean>> accepted = new ArrayList<>();
      for (int n = 0; n < settings.count(); n++) {
        accepted.add(outbox.enqueue(new Delivery("activity-" + n, inbox, activity(n))));
      }
      Future.all(accepted).await(60, java.util.concurrent.TimeUnit.SECONDS);
      Progress progress = new Progress(out, terminal, settings.count());
      DeliveryStats stats;
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos(); // a real inbox may be slow; not for ever
      while (true) {
        stats = DeliveryWorker.stats(vertx, outbox.workerFor(inbox)).await(30, java.util.concurrent.TimeUnit.SECONDS);
        progress.show(stats, System.nanoTime() - started);
        if (stats.delivered() + stats.deadLettered() + stats.dropped() >= settings.count()
            || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(100);
      }
      progress.done(stats, System.nanoTime() - started);
      Summary summary = new Summary(settings.count(), stats.delivered(), stats.retried(), stats.deadLettered(),
          stats.dropped(), (System.nanoTime() - started) / 1_000_000,
          stats.delivered() + stats.deadLettered() + stats.dropped() == settings.count());
      printSummary(out, summary, peer == null ? null : FlakyPeer.requests(peer));
      return summary;
    } finally {
      outbox.stop().await(60, java.util.concurrent.TimeUnit.SECONDS);
      if (peer != null) {
        FlakyPeer.forget(peer);
        peer.close().await(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  static JsonObject activity(int n) {
    return new JsonObject().put("type", "Create").put("n", n)
        .put("object", new JsonObject().put("type", "Note").put("content", "note " + n));
  }

  private static void printSummary(PrintStream out, Summary summary, Integer peerRequests) {
    out.println();
    out.printf("  %-40s %8d%n", "activities accepted", summary.count());
    out.printf("  %-40s %8d%n", "delivered", summary.delivered());
    out.printf("  %-40s %8d%n", "dead-lettered (gone, or busy to the end)", summary.deadLettered());
    if (summary.dropped() > 0) {
      out.printf("  %-40s %8d%n", "dropped", summary.dropped());
    }
    out.printf("  %-40s %8d%n", "retries on the way", summary.retried());
    if (peerRequests != null) {
      out.printf("  %-40s %8d%n", "requests the peer answered", peerRequests);
    }
    out.printf("  %-40s %8.1f s%n", "time", summary.millis() / 1000.0);
    out.println(summary.settled() ? "every activity is accounted for: none lost" : "some activities are still pending");
  }

  /** The progress line: redrawn in place on a terminal, once a second as a plain line otherwise. */
  private static final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final int count;
    private long lastPrinted = -1;

    Progress(PrintStream out, boolean terminal, int count) {
      this.out = out;
      this.terminal = terminal;
      this.count = count;
    }

    void show(DeliveryStats stats, long elapsedNanos) {
      long second = elapsedNanos / 1_000_000_000L;
      if (terminal) {
        out.print("\r" + line(stats, elapsedNanos) + "   ");
        out.flush();
      } else if (second != lastPrinted) {
        lastPrinted = second;
        out.println(line(stats, elapsedNanos));
      }
    }

    /** The last state, shown whatever the second. */
    void done(DeliveryStats stats, long elapsedNanos) {
      if (terminal) {
        out.println("\r" + line(stats, elapsedNanos) + "   ");
      } else {
        out.println(line(stats, elapsedNanos));
      }
    }

    private String line(DeliveryStats stats, long elapsedNanos) {
      return String.format("%5.1f s  delivered %d/%d  pending %d (in flight %d)  retries %d  dead-lettered %d",
          elapsedNanos / 1e9, stats.delivered(), count, stats.pending(), stats.inFlight(), stats.retried(),
          stats.deadLettered());
    }
  }

  /** The flaky inbox: what it answers depends on the activity's number. */
  static final class FlakyPeer {
    private static final Map<HttpServer, Peer> PEERS = new ConcurrentHashMap<>();

    /** What one inbox saw: how many requests, and how many times it accepted each activity. */
    private record Peer(AtomicInteger requests, Map<Integer, AtomicInteger> accepted) {
    }

    private FlakyPeer() {
    }

    static HttpServer start(Vertx vertx) {
      Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
      Peer peer = new Peer(new AtomicInteger(), new ConcurrentHashMap<>());
      HttpServer server = vertx.createHttpServer()
          // A node killed or paused with requests open resets its connections: the peer takes that quietly.
          .connectionHandler(connection -> connection.exceptionHandler(reset -> { }))
          .requestHandler(request -> request.exceptionHandler(reset -> { }).body().onSuccess(body -> {
            peer.requests().incrementAndGet();
            answer(vertx, request, body.toJsonObject().getInteger("n", -1), tries, peer.accepted());
          }))
          .listen(0, "127.0.0.1").await();
      PEERS.put(server, peer);
      return server;
    }

    /** Forgets what {@code server} saw (once it is closed). */
    static void forget(HttpServer server) {
      PEERS.remove(server);
    }

    private static Peer of(HttpServer server) {
      return PEERS.getOrDefault(server, new Peer(new AtomicInteger(), Map.of()));
    }

    static int requests(HttpServer server) {
      return of(server).requests().get();
    }

    /** The ids of the activities these inboxes accepted. */
    static Set<String> deliveredIds(List<HttpServer> servers) {
      Set<String> ids = new java.util.HashSet<>();
      servers.forEach(server -> of(server).accepted().keySet().forEach(n -> ids.add("activity-" + n)));
      return ids;
    }

    /** How many times these inboxes accepted each activity they accepted, by id. */
    static Map<String, Integer> acceptedTimes(List<HttpServer> servers) {
      Map<String, Integer> times = new java.util.HashMap<>();
      servers.forEach(server -> of(server).accepted().forEach((n, accepted) ->
          times.merge("activity-" + n, accepted.get(), Integer::sum)));
      return times;
    }

    private static void answer(Vertx vertx, HttpServerRequest request, int n, Map<Integer, AtomicInteger> tries,
                               Map<Integer, AtomicInteger> accepted) {
      int attempt = tries.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
      if (n % 10 == 0) {
        request.response().setStatusCode(410).end(); // gone: a permanent failure
      } else if (n % 20 == 1) {
        request.response().setStatusCode(503).end(); // always busy: dead-lettered after the last slot
      } else if ((n % 10 == 2 || n % 10 == 3) && attempt <= 2) {
        request.response().setStatusCode(503).putHeader("Retry-After", "1").end(); // busy twice, then fine
      } else if (n % 10 == 4) {
        vertx.setTimer(600, t -> accept(request, n, accepted)); // slow
      } else {
        accept(request, n, accepted);
      }
    }

    private static void accept(HttpServerRequest request, int n, Map<Integer, AtomicInteger> accepted) {
      accepted.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
      request.response().setStatusCode(202).end();
    }
  }
}
