package org.vertxotp.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartOptions;

/**
 * A node in a process of its own, for tests that kill it: joins the cluster named by its first
 * argument, runs what the rest say, prints {@code ready <node id>} and lives until its standard
 * input closes (or it is killed).
 *
 * <ul>
 *   <li>{@code store <name>}: a {@link Store} registered as {@code name}.</li>
 *   <li>{@code outbox <inbox>,<count>}: the {@link Outbox} service, ready once it accepted {@code count}
 *       deliveries to {@code inbox}.</li>
 *   <li>{@code singleton single}: a keeper of {@link ClusterSingletonTest#singleStore()}, ready once it runs here.</li>
 * </ul>
 */
public final class NodeMain {

  public static void main(String[] args) throws Exception {
    TestCluster cluster = new TestCluster(args[0]);
    Vertx vertx = cluster.node(new VertxOptions());
    Store.register(MessageTypes.of(vertx));
    for (int i = 1; i + 1 < args.length; i += 2) {
      String what = args[i];
      String name = args[i + 1];
      if (what.equals("store")) {
        GenServer.start(vertx, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(ServerName.of(name)))
            .await(30, TimeUnit.SECONDS);
      } else if (what.equals("singleton") && name.equals(ClusterSingletonTest.singleStore().name().orElseThrow().name())) {
        ClusterSingleton.start(vertx, ClusterSingletonTest.singleStore()).await(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (GenServer.whereisLocal(vertx, ServerName.of(name)).isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(20); // ready once it runs here: this node was first
        }
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
