package org.vertxotp.examples;

import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.cluster.ClusterConfig;
import org.vertxotp.cluster.ClusterSingleton;
import org.vertxotp.cluster.GenServerCluster;
import org.vertxotp.cluster.KnownVertxDefects;
import org.vertxotp.cluster.delivery.HazelcastDeliveryStore;
import org.vertxotp.cluster.delivery.HazelcastPlacement;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorker;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.delivery.spi.StoredState;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.supervisor.ChildSpec;

/**
 * The demo with {@code --clustered}: two nodes, each its own process on this machine, in one
 * Hazelcast cluster on 127.0.0.1. The other process runs the outbox (a cluster singleton whose
 * deliveries live in a Hazelcast map with a backup on this node) and accepts the activities; this
 * one runs the flaky inbox and a keeper of the same singleton. Once a third of the activities got
 * through, this process kills the other with SIGKILL; its keeper starts the outbox here, which
 * resumes every pending delivery from the map, and finishes the work.
 */
final class ClusteredDemo {

  static final String SERVICE = "outbox";
  /** Flag of the second process: {@code --outbox-node <cluster> <inbox> <count>}. */
  static final String NODE_FLAG = "--outbox-node";

  /** Held, so that their levels stay set. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  private static final Logger RECONNECTS = Logger.getLogger("com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler");
  private static final Logger OUTBOX_LOGS = Logger.getLogger("org.vertxotp.delivery");

  private ClusteredDemo() {
  }

  /** This demo's cluster: loopback only, its own name, a lost member noticed within seconds. */
  static Config config(String cluster) {
    // The demo kills a member on purpose: Hazelcast's warnings about it (and after any member leaves in
    // good order, hazelcast#26319) would only break the progress line.
    HAZELCAST.setLevel(Level.SEVERE);
    RECONNECTS.setLevel(Level.SEVERE);
    Config config = ClusterConfig.loopback(cluster);
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "15"); // a killed process is noticed by its closed connections at once
    return config;
  }

  /** The outbox as a singleton: whichever node runs it keeps its deliveries in the cluster's map. */
  static ChildSpec outbox(List<Duration> slots) {
    return ChildSpec.of(SERVICE, (vertx, options, args) -> start(vertx, slots)
        .map(service -> GenServer.whereisLocal(vertx, ServerName.of(SERVICE)).orElseThrow())).withName(SERVICE);
  }


  /**
   * The second process: runs the outbox (and a keeper that watches it, as every node would),
   * accepts the activities, says {@code ready}, and lives until it is killed.
   */
  static void outboxNode(String cluster, String inbox, int count) {
    // Whatever happens to the parent (done, failed, stopped with Ctrl-C), this process does not outlive it.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
    try {
      runOutbox(cluster, inbox, count);
    } catch (Throwable e) {
      System.out.println("failed: " + e);
      System.out.flush();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void runOutbox(String cluster, String inbox, int count) throws Exception {
    OUTBOX_LOGS.setLevel(Level.SEVERE); // the peer is flaky on purpose
    Vertx vertx = GenServerCluster.start(new VertxOptions(), config(cluster)).await(60, TimeUnit.SECONDS);
    awaitSafe(vertx); // every write from here on has its backup on the other node
    DeliveryService service = start(vertx, Demo.SLOTS).await(30, TimeUnit.SECONDS);
    ClusterSingleton.start(vertx, outbox(Demo.SLOTS)).await(30, TimeUnit.SECONDS);
    List<io.vertx.core.Future<Boolean>> accepted = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      accepted.add(service.enqueue(new Delivery("activity-" + n, inbox, Demo.activity(n))));
    }
    io.vertx.core.Future.all(accepted).await(60, TimeUnit.SECONDS);
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Duration.ofMinutes(10).toMillis()); // killed long before, or gone with the parent
    Runtime.getRuntime().halt(0);
  }

  static io.vertx.core.Future<DeliveryService> start(Vertx vertx, List<Duration> slots) {
    return HazelcastDeliveryStore.of(vertx).compose(store -> DeliveryService.start(vertx, SERVICE,
        new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1")),
        new DeliveryWorkerOptions().setStore(store)
            .setRetryPolicy(RetryPolicy.http().withSlots(slots).withMaxRetryAfter(Duration.ofMillis(250)))
            .setMaxConcurrency(8).setBreaker(BreakerPolicy.holding(50, Duration.ofSeconds(1)))));
  }

  /**
   * This process: the flaky inbox, the other process with the outbox, a keeper here; kills the
   * other once a third got through, and shows this node finishing the work.
   */
  static Demo.Summary run(Demo.Settings settings, PrintStream out, boolean terminal) throws Exception {
    String cluster = "demo-" + UUID.randomUUID();
    Vertx vertx = GenServerCluster.start(new VertxOptions(), config(cluster)).await(60, TimeUnit.SECONDS);
    // The other process is killed mid-write: Vert.x 5.1.5 would report some of those failed writes at ERROR.
    vertx.exceptionHandler(KnownVertxDefects.quietExceptionHandler());
    Process other = null;
    HttpServer peer = null;
    try {
      peer = Demo.FlakyPeer.start(vertx);
      String inbox = "http://127.0.0.1:" + peer.actualPort() + "/users/ann/inbox";
      out.println("peer: a flaky inbox at " + inbox);
      out.println("cluster: starting a second node in another process, which runs the outbox");
      other = spawn(cluster, inbox, settings.count());
      Process spawned = other;
      Thread reaper = new Thread(spawned::destroyForcibly, "demo-reaper"); // Ctrl-C here ends it there
      Runtime.getRuntime().addShutdownHook(reaper);
      try {
        return watch(vertx, peer, inbox, spawned, settings, out, terminal);
      } finally {
        Runtime.getRuntime().removeShutdownHook(reaper);
      }
    } finally {
      try {
        if (peer != null) {
          peer.close().await(30, TimeUnit.SECONDS);
        }
      } finally {
        try {
          vertx.close().await(60, TimeUnit.SECONDS); // first: leaving while the other still runs is quick
        } finally {
          if (other != null && other.isAlive()) {
            other.destroyForcibly();
          }
        }
      }
    }
  }

  private static Demo.Summary watch(Vertx vertx, HttpServer peer, String inbox, Process other, Demo.Settings settings,
                                    PrintStream out, boolean terminal) throws Exception {
    awaitReady(other);
    out.println("outbox (other process): " + settings.count() + " activities accepted, kept in the cluster's map"
        + " with a backup on this node");
    io.vertx.core.Future<org.vertxotp.genserver.ServerRef> keeper = ClusterSingleton.start(vertx, outbox(settings.slots()));
    keeper.await(30, TimeUnit.SECONDS);
    HazelcastDeliveryStore store = HazelcastDeliveryStore.of(vertx).await(30, TimeUnit.SECONDS);
    String worker = SERVICE + "/" + destination(inbox);
    long started = System.nanoTime();
    long killedAt = 0;
    long takenOverAt = 0;
    long lastLine = -1;
    long deadline = started + Duration.ofMinutes(3).toNanos();
    StoredState kept;
    String line;
    while (true) {
      kept = store.load(worker).await(90, TimeUnit.SECONDS);
      int delivered = Demo.FlakyPeer.delivered(peer);
      long now = System.nanoTime();
      boolean here = GenServer.whereisLocal(vertx, ServerName.of(SERVICE)).isPresent();
      if (here && takenOverAt == 0 && killedAt != 0) {
        takenOverAt = now;
        out.println((terminal ? "\n" : "") + String.format("cluster: this node runs the outbox now, %.1f s after the kill;"
            + " it resumes the pending deliveries from the map", (now - killedAt) / 1e9));
      }
      line = String.format("%5.1f s  delivered %d/%d  pending %d  dead-lettered %d  outbox on %s",
          (now - started) / 1e9, delivered, settings.count(), kept.pending().size(), kept.deadLetters().size(),
          here ? "this process" : killedAt == 0 ? "the other process" : "nobody (taking over)");
      if (terminal) {
        out.print("\r" + line + "   ");
        out.flush();
      } else if ((now - started) / 1_000_000_000L != lastLine) {
        lastLine = (now - started) / 1_000_000_000L;
        out.println(line);
      }
      if (killedAt == 0 && delivered >= settings.count() / 3 && !kept.pending().isEmpty()) {
        other.destroyForcibly(); // SIGKILL: no goodbye to the cluster, no flush, nothing
        other.waitFor(30, TimeUnit.SECONDS);
        killedAt = System.nanoTime();
        out.println((terminal ? "\n" : "") + "cluster: killed the other process (pid " + other.pid()
            + ") with SIGKILL, mid-run");
      }
      boolean done = kept.pending().isEmpty() && (killedAt == 0 || takenOverAt != 0);
      if (done || now > deadline) {
        break;
      }
      Thread.sleep(250);
    }
    out.println(terminal ? "\r" + line + "   " : line);
    // Every activity is either accepted by the inbox or a dead letter, never both, never neither.
    java.util.Set<String> accounted = new java.util.HashSet<>();
    java.util.Set<String> delivered = Demo.FlakyPeer.acceptedIds(peer);
    kept.deadLetters().forEach(letter -> accounted.add(letter.id()));
    int both = 0;
    for (String id : delivered) {
      if (!accounted.add(id)) {
        both++;
      }
    }
    java.util.Set<String> missing = new java.util.TreeSet<>();
    for (int n = 0; n < settings.count(); n++) {
      if (!accounted.contains("activity-" + n)) {
        missing.add("activity-" + n);
      }
    }
    out.println();
    out.printf("  %-40s %8d%n", "activities accepted (other process)", settings.count());
    out.printf("  %-40s %8d%n", "delivered, as the inbox counts them", delivered.size());
    out.printf("  %-40s %8d%n", "  of which twice (in flight at the kill)", Demo.FlakyPeer.deliveredTwice(peer));
    out.printf("  %-40s %8d%n", "dead-lettered (gone, or busy to the end)", kept.deadLetters().size());
    if (killedAt != 0) {
      out.printf("  %-40s %8.1f s%n", "taken over after the kill",
          takenOverAt == 0 ? Double.NaN : (takenOverAt - killedAt) / 1e9);
    }
    boolean whole = missing.isEmpty() && both == 0;
    out.println(whole ? "every activity is accounted for: none lost"
        : !kept.pending().isEmpty() ? kept.pending().size() + " activities are still pending"
        : "missing: " + missing + (both == 0 ? "" : "; delivered and dead-lettered both: " + both));
    // Stop this node's keeper (and with it the outbox it runs): stopping the outbox alone, a keeper would start it again.
    GenServer.stop(vertx, keeper.result()).recover(e -> io.vertx.core.Future.succeededFuture()).await(30, TimeUnit.SECONDS);
    return new Demo.Summary(settings.count(), delivered.size(), 0, kept.deadLetters().size(), 0,
        (System.nanoTime() - started) / 1_000_000, whole);
  }

  private static Process spawn(String cluster, String inbox, int count) throws java.io.IOException {
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator
        + "bin" + File.separator + "java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    command.addAll(ClusterConfig.JVM_OPTIONS);
    command.addAll(List.of(Demo.class.getName(), NODE_FLAG, cluster, inbox, String.valueOf(count)));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /**
   * Waits (at most 90 s) for the other process's "ready"; then drains what it says, so that it never
   * blocks on a full pipe. If it ends or stalls first, the failure carries its last lines.
   */
  private static void awaitReady(Process other) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
    java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();
    java.util.Deque<String> last = new java.util.concurrent.ConcurrentLinkedDeque<>();
    Thread reader = new Thread(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.equals("ready")) {
            ready.complete(null);
          } else if (!ready.isDone()) {
            last.add(line);
            if (last.size() > 20) {
              last.poll();
            }
          }
        }
      } catch (java.io.IOException gone) {
        // it was killed
      }
      ready.completeExceptionally(new IllegalStateException("the other process ended before it was ready"));
    }, "demo-other-process");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(90, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the other process did not get ready; it said:\n  " + String.join("\n  ", last), e);
    }
  }

  private static String destination(String inbox) {
    java.net.URI uri = java.net.URI.create(inbox);
    return uri.getHost() + ":" + uri.getPort();
  }

  private static void awaitSafe(Vertx vertx) throws InterruptedException {
    var partitions = ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
        ((io.vertx.core.internal.VertxInternal) vertx).clusterManager()).getHazelcastInstance().getPartitionService();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!partitions.isClusterSafe()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster's backups were not in place within 30 s");
      }
      Thread.sleep(10);
    }
  }

  /** A delivery service spread over the members, as every node starts it (the README's snippet). */
  static DeliveryService spread(Vertx vertx, HttpTransportOptions http, String activityId, String inbox,
                                io.vertx.core.json.JsonObject activity) {
    // README: spread delivery
    DeliveryService outbox = HazelcastDeliveryStore.of(vertx).compose(store -> HazelcastPlacement.of(vertx)
        .compose(placement -> DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, http),
            new DeliveryWorkerOptions().setStore(store).setPlacement(placement)))).await();
    outbox.enqueue(new Delivery(activityId, inbox, activity)).await();   // from any node: acknowledged once stored
    DeliveryWorker.status(vertx, outbox.workerFor(inbox), activityId);  // and every worker call, from any node
    // README end
    return outbox;
  }
}
