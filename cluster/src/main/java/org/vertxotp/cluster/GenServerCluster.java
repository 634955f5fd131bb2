package org.vertxotp.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.vertxotp.cluster.impl.ClusterInternals;
import org.vertxotp.cluster.impl.ClusterRouter;
import org.vertxotp.cluster.impl.NodeLease;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Lease;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * Makes a node's gen_servers part of a Hazelcast cluster: registered names are unique across the
 * cluster ({@link HazelcastNameRegistry}), and call, cast, send and {@code whereis} by name or by
 * ref reach servers on any node. Messages and replies that cross nodes must be of a type
 * {@link MessageTypes} carries.
 *
 * <pre>{@code
 * GenServerCluster.start().onSuccess(vertx -> {
 *   MessageTypes.of(vertx).register(Put.class);
 *   GenServer.start(vertx, new Store(), null, StartOptions.named("store"));
 * });
 * }</pre>
 *
 * Start servers only after the future completes: the name table and the routes to other nodes
 * are installed before the first server.
 *
 * <p>When a split cluster merges and two servers hold one name, the one whose side merged into
 * the other is stopped with the exit reason {@code ExitReason.of(NameConflict)} (and killed if it
 * has not stopped within 5 s); its monitors see that reason, its supervisor restarts it as for any
 * other exit (and a restart then finds the name taken).
 */
public final class GenServerCluster {

  /** How long a server that lost its name in a merge gets to run terminate before it is killed. */
  private static final Duration CONFLICT_STOP_TIMEOUT = Duration.ofSeconds(5);

  private GenServerCluster() {
  }

  /** A clustered Vert.x with the configuration {@link ClusterConfig#load()} finds, its toolkit joined to the cluster. */
  public static Future<Vertx> start() {
    return start(new VertxOptions());
  }

  /** As {@link #start()}, with these Vert.x options. */
  public static Future<Vertx> start(VertxOptions options) {
    return start(options, ClusterConfig.load());
  }

  /**
   * As {@link #start()}, with these Vert.x options and this Hazelcast configuration; phone-home is
   * turned off in it unless it says otherwise, as {@link ClusterConfig#load()} does. Fails with an
   * {@link IllegalStateException} if the configuration leaves its cluster's name at Hazelcast's
   * default ({@code dev}).
   */
  public static Future<Vertx> start(VertxOptions options, Config hazelcast) {
    try {
      ClusterConfig.requireClusterName(hazelcast);
    } catch (IllegalStateException unnamed) {
      return Future.failedFuture(unnamed);
    }
    ClusterConfig.phoneHomeOffUnlessSet(hazelcast);
    ClusterConfig.useNamesMergePolicy(hazelcast);
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .compose(vertx -> join(vertx).map(vertx).recover(e -> vertx.close().transform(closed -> Future.failedFuture(e))));
  }

  /**
   * Joins the toolkit of {@code vertx}, a Vert.x instance clustered with vertx-hazelcast, to its
   * cluster. Completes once other nodes can reach this one. Its Hazelcast member runs with the
   * configuration it was built with: turn phone-home off in that (as {@link ClusterConfig#load()}
   * and {@link #start(VertxOptions, Config)} do).
   *
   * @throws IllegalArgumentException if {@code vertx} is not clustered with Hazelcast
   * @throws IllegalStateException    if servers, timers or calls already run on it
   */
  public static Future<Void> join(Vertx vertx) {
    HazelcastInstance hazelcast = ClusterInternals.hazelcastOf(vertx).orElseThrow(() -> new IllegalArgumentException(
        "Vert.x is not clustered with vertx-hazelcast: " + ClusterInternals.clusterManagerOf(vertx)));
    ClusterConfig.checkNamesMergePolicy(hazelcast.getConfig());
    MessageTypes.of(vertx).register(NameConflict.class); // the reason a server that lost its name stops with
    if (deliveryPresent()) {
      org.vertxotp.cluster.delivery.DeliveryTypes.register(MessageTypes.of(vertx));
    }
    return HazelcastNameRegistry.create(vertx, hazelcast).compose(names -> {
      names.onConflict(conflict -> GenServer.stop(vertx, conflict.lost(), ExitReason.of(conflict), CONFLICT_STOP_TIMEOUT)
          .recover(e -> GenServer.kill(vertx, conflict.lost())));
      ClusterRouter router = new ClusterRouter(vertx, hazelcast, names, MessageTypes.of(vertx));
      // Listeners on a Hazelcast instance that may outlive this Vert.x (one the user made) go when
      // Vert.x closes, or at once if joining fails.
      Runnable stopListening = () -> {
        try {
          router.close();
        } finally {
          names.close(); // a router that fails to close must not leave the registry's listeners behind
        }
      };
      try {
        NameRegistry.install(vertx, names);
        RemoteNodes.install(vertx, router);
        names.keepOn(vertx);
      } catch (RuntimeException e) {
        return vertx.executeBlocking(() -> {
          stopListening.run();
          return null;
        }, false).transform(closed -> Future.<Void>failedFuture(e));
      }
      ClusterInternals.onClose(vertx, () -> vertx.executeBlocking(() -> {
        stopListening.run();
        return null;
      }, false));
      return vertx.executeBlocking(() -> router.start(), false).compose(started -> started);
    });
  }

  /** Whether the toolkit on {@code vertx} has joined the cluster: names are unique across it. */
  public static boolean joined(Vertx vertx) {
    return HazelcastNameRegistry.installedOn(vertx) != null;
  }

  /**
   * This node's lease on its share of the cluster's work: valid while a majority of the members it
   * last saw have lately (within a lease: 2 s, or the milliseconds the system property
   * {@code vertx-otp.lease.millis} gives) confirmed that they count it as a member. It lapses on a node that
   * was paused past the lease or cut off on the minority side of a split, before the others take its
   * work over (they wait one and a half leases after it left). Fence a server of your own with it,
   * {@code new StartOptions().setLease(GenServerCluster.lease(vertx))}, so that it acts only while
   * the lease holds, as {@link ClusterSingleton} and the delivery service's spread workers do.
   *
   * @throws IllegalStateException if the toolkit on {@code vertx} has not joined the cluster
   */
  public static Lease lease(Vertx vertx) {
    if (!joined(vertx)) {
      throw new IllegalStateException("the toolkit on this Vert.x has not joined the cluster (GenServerCluster.start or join)");
    }
    return NodeLease.of(vertx, ClusterInternals.hazelcastOf(vertx).orElseThrow());
  }

  /** Whether the delivery module (an optional dependency of this one) is on the class path. */
  private static boolean deliveryPresent() {
    try {
      Class.forName("org.vertxotp.delivery.Delivery", false, GenServerCluster.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError absent) {
      return false;
    }
  }
}
