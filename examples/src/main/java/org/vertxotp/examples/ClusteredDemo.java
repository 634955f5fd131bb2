package org.vertxotp.examples;

import com.hazelcast.config.Config;
import io.vertx.core.Future;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.cluster.ClusterConfig;
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

/**
 * The demo with {@code --clustered}: three nodes, each its own process on this machine, in one
 * Hazelcast cluster on 127.0.0.1, running one delivery service spread over them
 * ({@link HazelcastPlacement}): each of {@value #PEERS} flaky inboxes (one destination each) has its
 * worker on one of the nodes, and each node enqueues a third of the activities, which come due
 * over {@link #SPREAD}. Mid-run this process pauses one of the others (C) with SIGSTOP, until the
 * other two run its share (past its lease and the detection time), and resumes it (its lease
 * lapsed: it attempts nothing more); then it kills the other (B) with SIGKILL (this node takes its
 * share over from the cluster's map). The others say each attempt they begin, so the summary
 * counts, per activity: delivered once, delivered twice (only those C or B began shortly before
 * the pause or the kill), dead-lettered, missing (none), and attempts by C after it resumed (none).
 */
final class ClusteredDemo {

  static final String SERVICE = "outbox";
  /** Flag of another node's process: {@code --outbox-node <cluster> <inbox,inbox,...> <from> <to> <count>}. */
  static final String NODE_FLAG = "--outbox-node";
  /** Flaky inboxes, each a destination of its own (so that the workers spread over the nodes). */
  static final int PEERS = 30;
  /** The activities come due over this long from the start: the work goes on while a node pauses and one dies. */
  static final Duration SPREAD = Duration.ofSeconds(20);
  private static final Duration PAUSE_AT = Duration.ofSeconds(3);
  /** The longest the pause lasts: it ends once A and B run C's share (the detection time, 5 s here, and 3 s). */
  private static final Duration MOST_PAUSE = Duration.ofSeconds(30);
  /** How long after the resume B is killed. */
  private static final Duration KILL_AFTER_RESUME = Duration.ofSeconds(2);
  /**
   * How long before a pause or kill an attempt may have begun and still be in flight there: sent,
   * or answered (the slowest inbox takes 0.6 s) with its removal from the store not yet done.
   */
  private static final long IN_FLIGHT_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** Held, so that their levels stay set. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  private static final Logger RECONNECTS = Logger.getLogger("com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler");
  private static final Logger OUTBOX_LOGS = Logger.getLogger("org.vertxotp.delivery");
  /** Where Vert.x says, at ERROR, that a node it killed on purpose reset a connection: see the README. */
  private static final Logger CONNECTIONS = Logger.getLogger("io.vertx.core.net.impl.ConnectionBase");
  /** Where Vert.x warns that it cannot connect to a node the demo killed. */
  private static final Logger EVENT_BUS = Logger.getLogger("io.vertx.core.eventbus.impl.clustered.ClusteredEventBus");

  private ClusteredDemo() {
  }

  /** This demo's cluster: loopback only, its own name, a lost member noticed within seconds. */
  static Config config(String cluster) {
    Config config = ClusterConfig.loopback(cluster);
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5"); // a paused member is noticed within seconds
    return config;
  }

  /**
   * Sets the levels of the loggers that would only break the progress line (the demo pauses and
   * kills members on purpose: Hazelcast's warnings about it, and after any member leaves in good
   * order, hazelcast#26319; Vert.x's about connections to them; the flaky peers' failures, which
   * the summary tells), with {@code delivery} for the toolkit's delivery logs. Returns what puts
   * the levels back, for a process that goes on after the demo (a test's).
   */
  private static Runnable quiet(Level delivery) {
    List<Logger> loggers = List.of(HAZELCAST, RECONNECTS, CONNECTIONS, EVENT_BUS, OUTBOX_LOGS);
    List<Level> before = new ArrayList<>();
    loggers.forEach(logger -> before.add(logger.getLevel())); // null: the parent's, as before
    HAZELCAST.setLevel(Level.SEVERE);
    RECONNECTS.setLevel(Level.SEVERE);
    CONNECTIONS.setLevel(Level.OFF);
    EVENT_BUS.setLevel(Level.SEVERE);
    OUTBOX_LOGS.setLevel(delivery);
    return () -> {
      for (int i = 0; i < loggers.size(); i++) {
        loggers.get(i).setLevel(before.get(i));
      }
    };
  }

  /** One node's part of the spread service: its share of the workers, its state in the cluster's map. */
  static Future<DeliveryService> part(Vertx vertx, List<Duration> slots, boolean tellAttempts) {
    HttpTransport http = new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1"));
    return HazelcastDeliveryStore.of(vertx).compose(store -> HazelcastPlacement.of(vertx).compose(placement ->
        DeliveryService.start(vertx, SERVICE, tellAttempts ? new Told(http) : http,
            new DeliveryWorkerOptions().setStore(store).setPlacement(placement)
                .setRetryPolicy(RetryPolicy.http().withSlots(slots).withMaxRetryAfter(Duration.ofMillis(250)))
                .setMaxConcurrency(8).setBreaker(BreakerPolicy.holding(50, Duration.ofSeconds(1))))));
  }

  /**
   * HTTP that first says, on standard output, which delivery it is about to attempt and when it
   * decided to ({@code attempt <id> <System.nanoTime>}, one clock for every process on Linux): how
   * the demo knows what a node had in flight when it was paused or killed, and that a resumed node
   * attempted nothing more.
   */
  private record Told(HttpTransport http) implements org.vertxotp.delivery.spi.Transport {
    @Override
    public String destinationOf(String target) {
      return http.destinationOf(target);
    }

    @Override
    public Future<org.vertxotp.delivery.Outcome> send(Delivery delivery, int attempt) {
      say("attempt " + delivery.id() + " " + System.nanoTime());
      return http.send(delivery, attempt);
    }

    @Override
    public java.util.Optional<Duration> attemptBound() {
      return http.attemptBound();
    }

    @Override
    public Future<Void> close() {
      return http.close();
    }
  }

  /** Activity {@code n}, to inbox {@code n} modulo the inboxes. */
  private static Delivery activity(int n, List<String> inboxes) {
    return new Delivery("activity-" + n, inboxes.get(n % inboxes.size()), Demo.activity(n));
  }

  /** When activity {@code n} of {@code count} is due, from the demo's start (wall clock, shared by its processes). */
  private static Duration dueIn(int n, int count, long startMillis) {
    long at = startMillis + SPREAD.toMillis() * n / count;
    return Duration.ofMillis(Math.max(0, at - System.currentTimeMillis()));
  }

  /** Enqueues activities {@code from .. to - 1} here; completes once every one is stored. */
  private static void enqueue(DeliveryService service, int from, int to, int count, List<String> inboxes,
                              long startMillis) throws java.util.concurrent.TimeoutException {
    List<Future<Boolean>> accepted = new ArrayList<>();
    for (int n = from; n < to; n++) {
      accepted.add(service.enqueue(activity(n, inboxes), dueIn(n, count, startMillis)));
    }
    Future.all(accepted).await(60, TimeUnit.SECONDS);
  }

  /** How many of the service's workers run on this node. */
  private static int workersHere(Vertx vertx, List<String> inboxes) {
    int running = 0;
    for (String inbox : inboxes) {
      if (GenServer.whereisLocal(vertx, ServerName.of(worker(inbox))).isPresent()) {
        running++;
      }
    }
    return running;
  }

  private static String worker(String inbox) {
    java.net.URI uri = java.net.URI.create(inbox);
    return SERVICE + "/" + uri.getHost() + ":" + uri.getPort();
  }

  // ---- another node's process

  /**
   * Another node: joins, says {@code joined}, waits for {@code go <start millis>} on its standard
   * input, enqueues its activities, says {@code ready}, and then {@code workers <n>} whenever the
   * number of workers running here changed, until it is killed or its parent ends.
   */
  static void node(String[] args) {
    // Whatever happens to the parent (done, failed, stopped with Ctrl-C), this process does not outlive it.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
    try {
      runNode(args[1], List.of(args[2].split(",")), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
    } catch (Throwable e) {
      System.out.println("failed: " + e);
      System.out.flush();
      Runtime.getRuntime().halt(1);
    }
  }

  private static void runNode(String cluster, List<String> inboxes, int from, int to, int count) throws Exception {
    quiet(Level.OFF); // this node is paused or killed on purpose too
    Vertx vertx = GenServerCluster.start(new VertxOptions(), config(cluster)).await(60, TimeUnit.SECONDS);
    vertx.exceptionHandler(KnownVertxDefects.quietExceptionHandler());
    DeliveryService service = part(vertx, Demo.SLOTS, true).await(30, TimeUnit.SECONDS);
    say("joined");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String go = in.readLine();
    if (go == null || !go.startsWith("go ")) {
      Runtime.getRuntime().halt(0);
      return;
    }
    enqueue(service, from, to, count, inboxes, Long.parseLong(go.substring(3).trim()));
    say("ready");
    int[] told = {-1};
    vertx.setPeriodic(100, t -> {
      int running = workersHere(vertx, inboxes);
      if (running != told[0]) {
        told[0] = running;
        say("workers " + running);
      }
    });
    Thread.sleep(Duration.ofMinutes(10).toMillis()); // killed long before, or gone with the parent
    Runtime.getRuntime().halt(0);
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  // ---- this process

  private record Attempt(String id, long atNanos) {
  }

  /** Another node's process, as this one follows it. */
  private static final class Other {
    final String label;
    final Process process;
    /** Where its logs go (its standard error). */
    final File logs;
    final CompletableFuture<Void> joined = new CompletableFuture<>();
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    volatile int workers;
    volatile int mostWorkers;
    private final Thread reader;
    /** Each attempt it said it began: the delivery's id, and when (System.nanoTime, its clock and ours). */
    final java.util.Queue<Attempt> attempts = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.Deque<String> last = new java.util.concurrent.ConcurrentLinkedDeque<>();

    Other(String label, Process process, File logs) {
      this.label = label;
      this.process = process;
      this.logs = logs;
      reader = new Thread(this::read, "demo-node-" + label);
      reader.setDaemon(true);
      reader.start();
    }

    /** Ends the process (SIGKILL) and waits until all it said is read. */
    void end() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      reader.join(TimeUnit.SECONDS.toMillis(10));
    }

    /** Drains what it says (so that it never blocks on a full pipe), keeping its last lines for a failure. */
    private void read() {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.equals("joined")) {
            joined.complete(null);
          } else if (line.equals("ready")) {
            ready.complete(null);
          } else if (line.startsWith("workers ") && line.substring("workers ".length()).trim().matches("\\d+")) {
            workers = Integer.parseInt(line.substring("workers ".length()).trim());
            mostWorkers = Math.max(mostWorkers, workers);
          } else if (line.startsWith("attempt ") && line.split(" ").length == 3 && line.split(" ")[2].matches("-?\\d+")) {
            String[] parts = line.split(" ");
            attempts.add(new Attempt(parts[1], Long.parseLong(parts[2])));
          } else {
            last.add(line);
            if (last.size() > 20) {
              last.poll();
            }
          }
        }
      } catch (java.io.IOException gone) {
        // it was killed
      }
      IllegalStateException ended = new IllegalStateException("node " + label + " ended (its log: " + logs + "); it said:\n  "
          + String.join("\n  ", last));
      joined.completeExceptionally(ended);
      ready.completeExceptionally(ended);
    }

    /** The ids of the attempts it began between {@code from} and {@code to} (System.nanoTime). */
    Set<String> attemptedBetween(long from, long to) {
      Set<String> ids = new TreeSet<>();
      for (Attempt attempt : attempts) {
        if (attempt.atNanos() >= from && attempt.atNanos() <= to) {
          ids.add(attempt.id());
        }
      }
      return ids;
    }

    void await(CompletableFuture<Void> step, String what) throws Exception {
      try {
        step.get(90, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("node " + label + " did not get " + what + " (its log: " + logs + "); it said:\n  "
            + String.join("\n  ", last), e);
      }
    }

    void tell(String line) throws java.io.IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    void signal(String which) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + which, Long.toString(process.pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + which + " " + process.pid() + " failed");
      }
    }
  }

  /**
   * This process: the flaky inboxes, its part of the service, the two other nodes; pauses one and
   * kills the other mid-run, and shows every activity accounted for.
   */
  static Demo.Summary run(Demo.Settings settings, PrintStream out, boolean terminal) throws Exception {
    String cluster = "demo-" + UUID.randomUUID();
    Runnable loud = quiet(Level.SEVERE);
    Vertx vertx;
    try {
      vertx = GenServerCluster.start(new VertxOptions(), config(cluster)).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      loud.run();
      throw e;
    }
    // The other processes are paused and killed mid-write: Vert.x 5.1.5 would report some of those writes at ERROR.
    vertx.exceptionHandler(KnownVertxDefects.quietExceptionHandler());
    List<HttpServer> peers = new ArrayList<>();
    List<Other> others = new ArrayList<>();
    List<Thread> reapers = new ArrayList<>();
    try {
      List<String> inboxes = new ArrayList<>();
      for (int i = 0; i < PEERS; i++) {
        HttpServer peer = Demo.FlakyPeer.start(vertx);
        peers.add(peer);
        inboxes.add("http://127.0.0.1:" + peer.actualPort() + "/users/u" + i + "/inbox");
      }
      out.println("peers: " + PEERS + " flaky inboxes on 127.0.0.1, a destination each");
      DeliveryService service = part(vertx, settings.slots(), false).await(30, TimeUnit.SECONDS);
      int count = settings.count();
      int third = count / 3;
      out.println("cluster: starting two more nodes, each in a process of its own");
      for (String label : List.of("B", "C")) {
        int from = label.equals("B") ? third : 2 * third;
        int to = label.equals("B") ? 2 * third : count;
        File logs = File.createTempFile("vertx-otp-demo-node-" + label + "-", ".log");
        logs.deleteOnExit();
        Other other = new Other(label, spawn(cluster, inboxes, from, to, count, logs), logs);
        others.add(other);
        Thread reaper = new Thread(other.process::destroyForcibly, "demo-reaper"); // Ctrl-C here ends it there
        Runtime.getRuntime().addShutdownHook(reaper);
        reapers.add(reaper);
      }
      for (Other other : others) {
        other.await(other.joined, "into the cluster");
      }
      long startMillis = System.currentTimeMillis() + 500;
      for (Other other : others) {
        other.tell("go " + startMillis);
      }
      enqueue(service, 0, third, count, inboxes, startMillis);
      for (Other other : others) {
        other.await(other.ready, "its activities accepted");
      }
      out.println("outbox: " + count + " activities accepted, a third on each node, each stored (with a backup)"
          + " before it is acknowledged; due over " + SPREAD.toSeconds() + " s");
      return watch(vertx, peers, inboxes, others.get(0), others.get(1), count, out, terminal);
    } finally {
      for (Other other : others) {
        other.end();
      }
      for (Thread reaper : reapers) {
        try {
          Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
          // the hooks run now: the reaper does its part
        }
      }
      try {
        peers.forEach(Demo.FlakyPeer::forget);
        for (HttpServer peer : peers) {
          peer.close().await(30, TimeUnit.SECONDS);
        }
      } finally {
        try {
          vertx.close().await(60, TimeUnit.SECONDS);
        } finally {
          loud.run();
        }
      }
    }
  }

  private static Demo.Summary watch(Vertx vertx, List<HttpServer> peers, List<String> inboxes, Other b, Other c,
                                    int count, PrintStream out, boolean terminal) throws Exception {
    HazelcastDeliveryStore store = HazelcastDeliveryStore.of(vertx).await(30, TimeUnit.SECONDS);
    com.hazelcast.cluster.Cluster members = org.vertxotp.cluster.impl.ClusterInternals.hazelcastOf(vertx).orElseThrow()
        .getCluster();
    long started = System.nanoTime();
    long pausedAt = 0;
    long stoppedAt = 0;
    long diedAt = 0;
    int servedAtPause = 0;
    long takenOverAt = 0;
    long resumedAt = 0;
    long killedAt = 0;
    int mostHere = 0;
    long lastLine = -1;
    long deadline = started + Duration.ofMinutes(3).toNanos();
    // Read from the cluster's map once a second, without holding up the progress line: while a member
    // stands still, reads of its partitions wait until the others see it gone.
    Future<Kept> reading = null;
    long readStarted = 0;
    Kept kept = new Kept(0, -1, Set.of());
    String line = "";
    while (true) {
      long now = System.nanoTime();
      long elapsed = now - started;
      int here = workersHere(vertx, inboxes);
      mostHere = Math.max(mostHere, here);
      if (pausedAt == 0 && elapsed >= PAUSE_AT.toNanos()) {
        servedAtPause = here + b.workers;
        pausedAt = System.nanoTime();
        c.signal("STOP");
        stoppedAt = System.nanoTime(); // C is stopped by now: it begins nothing after this until the resume
        out.println(newLine(terminal) + "cluster: paused node C (pid " + c.process.pid() + ") with SIGSTOP: past its"
            + " lease, the others see it gone once the detection time passed, and run its share 1.5 leases later");
      } else if (pausedAt != 0 && takenOverAt == 0 && members.getMembers().size() == 2
          && here + b.workers > servedAtPause) {
        takenOverAt = now;
        out.println(newLine(terminal) + String.format("cluster: A and B have begun to run C's share, %.1f s after the pause",
            (now - pausedAt) / 1e9));
      } else if (resumedAt == 0 && pausedAt != 0 && (now - takenOverAt > TimeUnit.SECONDS.toNanos(1) && takenOverAt != 0
          || now - pausedAt > MOST_PAUSE.toNanos())) {
        c.signal("CONT");
        resumedAt = System.nanoTime();
        out.println(newLine(terminal) + "cluster: resumed node C with SIGCONT: its lease lapsed, so it sends nothing"
            + " new and stops its workers");
      } else if (killedAt == 0 && resumedAt != 0 && now - resumedAt >= KILL_AFTER_RESUME.toNanos()) {
        killedAt = System.nanoTime();
        b.signal("KILL");
        b.process.waitFor(30, TimeUnit.SECONDS);
        diedAt = System.nanoTime(); // B began nothing after this
        out.println(newLine(terminal) + "cluster: killed node B (pid " + b.process.pid() + ") with SIGKILL, mid-run;"
            + " A takes its share over from the cluster's map");
      }
      int delivered = Demo.FlakyPeer.deliveredIds(peers).size();
      if (reading == null || (reading.isComplete() && now - readStarted >= TimeUnit.SECONDS.toNanos(1))) {
        if (reading != null && reading.succeeded()) {
          kept = reading.result();
        }
        readStarted = now;
        reading = read(store, inboxes);
      }
      line = String.format("%5.1f s  delivered %d/%d  dead-lettered %d  pending %s  workers: A %d, B %s, C %s",
          elapsed / 1e9, delivered, count, kept.dead().size(), kept.pending() < 0 ? "?" : kept.pending(), here,
          killedAt != 0 ? "killed" : Integer.toString(b.workers),
          pausedAt != 0 && resumedAt == 0 ? c.workers + " (paused)" : Integer.toString(c.workers));
      if (terminal) {
        out.print("\r" + line + "   ");
        out.flush();
      } else if (elapsed / 1_000_000_000L != lastLine) {
        lastLine = elapsed / 1_000_000_000L;
        out.println(line);
      }
      boolean done = killedAt != 0 && kept.readAt() > killedAt && kept.pending() == 0 && elapsed > SPREAD.toNanos();
      if (done || now > deadline) {
        break;
      }
      if (reading.isComplete() && reading.succeeded() && reading.result().readAt() > kept.readAt()) {
        kept = reading.result();
        continue;
      }
      Thread.sleep(100);
    }
    out.println(terminal ? "\r" + line + "   " : line);
    c.end(); // every attempt it said it began is read before they are counted

    Set<String> dead = kept.dead();
    int pending = kept.pending();
    Set<String> delivered = Demo.FlakyPeer.deliveredIds(peers);
    java.util.Map<String, Integer> accepted = Demo.FlakyPeer.acceptedTimes(peers);
    Set<String> twice = new TreeSet<>();
    accepted.forEach((id, times) -> {
      if (times > 1) {
        twice.add(id);
      }
    });
    Set<String> both = new TreeSet<>(delivered);
    both.retainAll(dead);
    Set<String> missing = new TreeSet<>();
    for (int n = 0; n < count; n++) {
      String id = "activity-" + n;
      if (!delivered.contains(id) && !dead.contains(id)) {
        missing.add(id);
      }
    }
    // In flight at the pause or the kill: what C or B began shortly before it stopped. C, stopped,
    // begins nothing until the resume, and once resumed nothing at all.
    Set<String> inFlightAtPause = c.attemptedBetween(pausedAt - IN_FLIGHT_NANOS, stoppedAt);
    Set<String> inFlightAtKill = b.attemptedBetween(killedAt - IN_FLIGHT_NANOS, diedAt);
    Set<String> afterResume = c.attemptedBetween(stoppedAt + 1, Long.MAX_VALUE);
    // Once, and once more for each of the pause and the kill at which it was in flight.
    Set<String> twiceNotInFlight = new TreeSet<>();
    accepted.forEach((id, times) -> {
      int allowed = 1 + (inFlightAtPause.contains(id) ? 1 : 0) + (inFlightAtKill.contains(id) ? 1 : 0);
      if (times > allowed) {
        twiceNotInFlight.add(id);
      }
    });
    out.println();
    out.printf("  %-46s %8d%n", "activities accepted (a third on each node)", count);
    out.printf("  %-46s %8d%n", "delivered once", delivered.size() - twice.size());
    out.printf("  %-46s %8d%n", "delivered twice (in flight at pause or kill)", twice.size());
    out.printf("  %-46s %8d%n", "dead-lettered (gone, or busy to the end)", dead.size());
    out.printf("  %-46s %8d%n", "missing", missing.size());
    out.printf("  %-46s %8d%n", "attempts by C after it resumed", afterResume.size());
    out.printf("  %-46s %8s%n", "most workers at once on A, B, C", mostHere + ", " + b.mostWorkers + ", " + c.mostWorkers);
    boolean whole = missing.isEmpty() && both.isEmpty() && twiceNotInFlight.isEmpty() && afterResume.isEmpty()
        && pending == 0 && killedAt != 0;
    out.println(whole ? "every activity is accounted for: none lost, none twice but those in flight"
        : pending != 0 ? pending + " activities are still pending"
        : "missing: " + missing + "; delivered and dead-lettered both: " + both
            + "; twice though not in flight: " + twiceNotInFlight + "; attempted by C after it resumed: " + afterResume);
    return new Demo.Summary(count, delivered.size(), 0, dead.size(), 0, (System.nanoTime() - started) / 1_000_000, whole);
  }

  /** What the cluster's map keeps: deliveries pending, and the ids of the dead letters, as read from {@code readAt} on. */
  private record Kept(long readAt, int pending, Set<String> dead) {
  }

  private static Future<Kept> read(HazelcastDeliveryStore store, List<String> inboxes) {
    long readAt = System.nanoTime();
    List<Future<StoredState>> loads = new ArrayList<>();
    for (String inbox : inboxes) {
      loads.add(store.load(worker(inbox)));
    }
    return Future.all(loads).map(all -> {
      int pending = 0;
      Set<String> dead = new HashSet<>();
      for (Future<StoredState> load : loads) {
        pending += load.result().pending().size();
        load.result().deadLetters().forEach(letter -> dead.add(letter.id()));
      }
      return new Kept(readAt, pending, dead);
    });
  }

  private static String newLine(boolean terminal) {
    return terminal ? "\n" : "";
  }

  private static Process spawn(String cluster, List<String> inboxes, int from, int to, int count, File logs)
      throws java.io.IOException {
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator
        + "bin" + File.separator + "java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    command.addAll(ClusterConfig.jvmOptionsForAnotherNode());
    command.addAll(List.of(Demo.class.getName(), NODE_FLAG, cluster, String.join(",", inboxes),
        String.valueOf(from), String.valueOf(to), String.valueOf(count)));
    // Its logs to a file of their own: a long record on the same pipe could split a line the demo reads.
    return new ProcessBuilder(command).redirectError(logs).start();
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
