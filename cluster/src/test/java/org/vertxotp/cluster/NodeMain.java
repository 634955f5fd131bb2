package org.vertxotp.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;

/**
 * A node in a process of its own, for tests that kill it: joins the cluster named by its first
 * argument, runs what the rest say, prints {@code ready <node id>} and lives until its standard
 * input closes (or it is killed). With the system property {@value #PORTS} ({@code port,other,...})
 * it is a member on that port that looks for the others only, and heals a split quickly
 * ({@link TestCluster#healingOn}).
 *
 * <ul>
 *   <li>{@code store <name>}: a {@link Store} registered as {@code name}; when it goes down, the node
 *       prints {@code down <name> <server> <reason>}.</li>
 *   <li>{@code outbox <inbox>,<count>}: the {@link Outbox} service, ready once it accepted {@code count}
 *       deliveries to {@code inbox}.</li>
 *   <li>{@code spread <base>,<from>,<to>}: this node's part of the {@link Spread} service, ready once it
 *       accepted {@link Spread#deliveries} to {@code d<from>} .. {@code d<to - 1>} of the inbox at {@code base};
 *       prints {@code workers <n>} each time the number of its workers running here changes.</li>
 *   <li>{@code singleton single}: a keeper of {@link ClusterSingletonTest#singleStore()}, ready once it runs here.</li>
 *   <li>{@code ticking <port>}: a keeper of the {@link Ticking} singleton that ticks to the inbox on
 *       {@code port}, ready once it runs here; when it goes down here, the node prints
 *       {@code down ticking <server> <reason>}.</li>
 * </ul>
 */
public final class NodeMain {

  /** The system property that names this member's port, then the ports of the others. */
  static final String PORTS = "node.ports";

  /** How the line that tells how many of the spread service's workers run here begins. */
  static final String WORKERS = "workers ";

  /** How the line that tells of a server that went down begins. */
  static final String DOWN = "down ";

  public static void main(String[] args) throws Exception {
    TestLogs.reset(); // the toolkit's reports (a server that lost a name conflict, say) are kept, not printed, as in a test's JVM
    TestCluster cluster = new TestCluster(args[0]);
    String ports = System.getProperty(PORTS);
    Vertx vertx;
    if (ports == null) {
      vertx = cluster.node(new VertxOptions());
    } else {
      TestCluster.allowMergeRetries();
      int[] numbers = Arrays.stream(ports.split(",")).mapToInt(Integer::parseInt).toArray();
      vertx = cluster.node(new VertxOptions(), cluster.healingOn(numbers[0], Arrays.copyOfRange(numbers, 1, numbers.length)));
    }
    Store.register(MessageTypes.of(vertx));
    for (int i = 1; i + 1 < args.length; i += 2) {
      String what = args[i];
      String name = args[i + 1];
      if (what.equals("store")) {
        ServerRef store = GenServer.start(vertx, new Store(), new LinkedBlockingQueue<>(),
            new StartOptions().setName(ServerName.of(name))).await(30, TimeUnit.SECONDS);
        Monitors.monitor(vertx, store, down -> {
          System.out.println(DOWN + name + " " + down.server() + " " + down.reason());
          System.out.flush();
        });
      } else if (what.equals("singleton") && name.equals(ClusterSingletonTest.singleStore().name().orElseThrow().name())) {
        ClusterSingleton.start(vertx, ClusterSingletonTest.singleStore()).await(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (GenServer.whereisLocal(vertx, ServerName.of(name)).isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(20); // ready once it runs here: this node was first
        }
      } else if (what.equals("ticking")) {
        ClusterSingleton.start(vertx, Ticking.spec(Integer.parseInt(name))).await(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (GenServer.whereisLocal(vertx, ServerName.of(Ticking.NAME)).isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        ServerRef ticking = GenServer.whereisLocal(vertx, ServerName.of(Ticking.NAME)).orElseThrow();
        Monitors.monitor(vertx, ticking, down -> {
          System.out.println(DOWN + Ticking.NAME + " " + down.server() + " " + down.reason());
          System.out.flush();
        });
      } else if (what.equals("outbox")) {
        // Runs the service itself, keeps a keeper that watches it (as every node would), and accepts the deliveries.
        String[] inboxAndCount = name.split(",");
        long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!TestCluster.hazelcast(vertx).getPartitionService().isClusterSafe() && System.nanoTime() < settled) {
          Thread.sleep(10); // backups are assigned once the partitions settle after this node joined
        }
        DeliveryService service = Outbox.start(vertx).await(30, TimeUnit.SECONDS);
        Outbox.keeper(vertx).await(30, TimeUnit.SECONDS);
        for (int n = 0; n < Integer.parseInt(inboxAndCount[1]); n++) {
          service.enqueue(new Delivery("activity-" + n, inboxAndCount[0], new JsonObject().put("n", n)))
              .await(30, TimeUnit.SECONDS);
        }
      } else if (what.equals("spread")) {
        // This node's part of the spread service; it enqueues d<from> .. d<to - 1> to the inbox at <base>.
        String[] baseFromTo = name.split(",");
        org.vertxotp.delivery.DeliveryService service = Spread.start(vertx).await(30, TimeUnit.SECONDS);
        int[] told = {-1};
        vertx.setPeriodic(50, t -> { // how many of the service's workers run here, each time that changes
          int running = Spread.workersOn(vertx, Spread.DESTINATIONS);
          if (running != told[0]) {
            told[0] = running;
            System.out.println(WORKERS + running);
            System.out.flush();
          }
        });
        for (int d = Integer.parseInt(baseFromTo[1]); d < Integer.parseInt(baseFromTo[2]); d++) {
          for (Delivery delivery : Spread.deliveries(baseFromTo[0], d)) {
            service.enqueue(delivery, Spread.dueIn(delivery)).await(30, TimeUnit.SECONDS);
          }
        }
      } else {
        throw new IllegalArgumentException("unknown part " + what);
      }
    }
    System.out.println("ready " + TestCluster.id(vertx));
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // lives until its parent closes the pipe
      }
    }
    cluster.close();
    System.exit(0);
  }
}
