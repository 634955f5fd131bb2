package org.vertxotp.cluster.impl;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one place the cluster module reaches into Vert.x's internal API (as {@code genserver} does
 * through its own): a context of no deployment, the cluster manager's Hazelcast instance, and a
 * hook that runs when Vert.x closes. A Vert.x upgrade that moves these is fixed here.
 */
public final class ClusterInternals {

  private ClusterInternals() {
  }

  /** A new event-loop context that belongs to no deployment: it lives as long as Vert.x. */
  public static Context newContext(Vertx vertx) {
    return ((VertxInternal) vertx).createEventLoopContext();
  }

  /** The Hazelcast instance {@code vertx} is clustered with, if it is clustered with vertx-hazelcast. */
  public static Optional<HazelcastInstance> hazelcastOf(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager manager
        ? Optional.of(manager.getHazelcastInstance()) : Optional.empty();
  }

  /** The cluster manager {@code vertx} runs with, or null: for messages about one that is not Hazelcast. */
  public static Object clusterManagerOf(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager();
  }

  /**
   * Runs {@code closing} when {@code vertx} closes, before its cluster manager leaves, and lets the
   * close go on once the future it returns completes, whatever it throws or fails with.
   */
  public static void onClose(Vertx vertx, Supplier<Future<?>> closing) {
    ((VertxInternal) vertx).addCloseHook(done -> {
      Future<?> closed;
      try {
        closed = closing.get();
      } catch (RuntimeException e) {
        closed = Future.failedFuture(e);
      }
      closed.onComplete(ar -> done.succeed());
    });
  }

  /**
   * The one {@code T} of {@code vertx} kept in {@code shared}: made by {@code make} from the
   * Hazelcast instance {@code vertx} is clustered with, on first use and off the event loop (making
   * one may wait on the cluster), forgotten and ended by {@code close} when Vert.x closes. Fails if
   * {@code vertx} is not clustered with vertx-hazelcast.
   */
  public static <T> Future<T> onePerVertx(Vertx vertx, java.util.Map<Vertx, T> shared,
                                          java.util.function.Function<HazelcastInstance, T> make,
                                          java.util.function.Function<T, Future<?>> close) {
    HazelcastInstance hazelcast = hazelcastOf(vertx).orElse(null);
    if (hazelcast == null) {
      return Future.failedFuture(new IllegalArgumentException("Vert.x is not clustered with vertx-hazelcast"));
    }
    T made = shared.get(vertx);
    if (made != null) {
      return Future.succeededFuture(made);
    }
    return vertx.executeBlocking(() -> shared.computeIfAbsent(vertx, v -> {
      T one = make.apply(hazelcast);
      onClose(vertx, () -> {
        shared.remove(vertx, one);
        return close.apply(one);
      });
      return one;
    }), false);
  }
}
