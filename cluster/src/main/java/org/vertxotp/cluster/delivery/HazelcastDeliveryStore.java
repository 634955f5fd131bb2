package org.vertxotp.cluster.delivery;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.projection.Projections;
import com.hazelcast.query.Predicates;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.impl.StoreCodec;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;
import org.vertxotp.delivery.spi.StoreThreads;

/**
 * Keeps pending deliveries and dead letters in a Hazelcast {@code IMap}, so that a worker whose
 * node is lost resumes on another node with every delivery, its attempts and due time intact.
 * One entry per delivery (key: worker and id), whose JSON value says whether it is pending or a
 * dead letter: saving, dead-lettering and removing a delivery are each one write of one key,
 * atomic. A future completes once the write is on the entry's owner and on its synchronous
 * backups; the map's backup count (1 in the toolkit's default configuration) is how many members
 * may be lost at once without losing an acknowledged delivery. One window remains, Hazelcast's:
 * right after members join, until the partitions are assigned again (its
 * {@code PartitionService.isClusterSafe()}), a partition may have no backup yet, and a write to it
 * lives on its owner alone.
 *
 * <p>Changes of one delivery are applied in the order they were made; changes of different
 * deliveries are independent and may overtake each other. Futures complete on the caller's
 * context. Loading runs a query on a Vert.x worker thread, never on an event loop.
 */
public final class HazelcastDeliveryStore implements DeliveryStore {

  /** The map the store uses unless told otherwise. */
  public static final String DEFAULT_MAP = "genserver.deliveries";

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");
  private static final char SEPARATOR = '\u0000';
  private static final String PENDING = "pending";
  private static final String DEAD = "dead";

  /** How long a load waits for migrating partitions to settle before it fails. */
  private static final java.time.Duration SAFE_QUERY_TIMEOUT = java.time.Duration.ofSeconds(60);

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, HazelcastJsonValue> entries;
  /** Migrations begun or ended since the store followed them: a query that saw one is run again. */
  private final java.util.concurrent.atomic.AtomicLong migrations = new java.util.concurrent.atomic.AtomicLong();
  /** Migrations begun and not yet finished, as the listener heard them. */
  private final java.util.concurrent.atomic.AtomicLong migrating = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.ExecutorService queries;
  /** Guarded by this store. */
  private java.util.UUID migrationListener;
  private boolean closed;
  /** The last change of each delivery still running: the next one of that delivery waits for it. */
  private final ConcurrentHashMap<String, Future<Void>> running = new ConcurrentHashMap<>();

  /**
   * The store in {@code map} of {@code hazelcast}, used from {@code vertx}. Close it when done with
   * it. Blocking (Hazelcast makes the map's proxy): call it off the event loop.
   */
  public HazelcastDeliveryStore(Vertx vertx, HazelcastInstance hazelcast, String map) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.hazelcast = hazelcast;
    this.entries = hazelcast.getMap(map);
    // Threads of its own: a load that waits for partitions to settle must not starve the pool Vert.x
    // shares, nor die with the deployment of whoever first used the store.
    this.queries = Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "delivery-store-" + map);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * The store in {@value #DEFAULT_MAP} of the cluster {@code vertx} is clustered in (with
   * vertx-hazelcast): one per Vert.x instance, made on first use off the event loop, closed with
   * Vert.x.
   */
  public static Future<HazelcastDeliveryStore> of(Vertx vertx) {
    if (!(((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager manager)) {
      return Future.failedFuture(new IllegalArgumentException("Vert.x is not clustered with vertx-hazelcast"));
    }
    HazelcastDeliveryStore made = SHARED.get(vertx);
    if (made != null) {
      return Future.succeededFuture(made);
    }
    return vertx.executeBlocking(() -> SHARED.computeIfAbsent(vertx, v -> {
      HazelcastDeliveryStore store = new HazelcastDeliveryStore(vertx, manager.getHazelcastInstance(), DEFAULT_MAP);
      ((VertxInternal) vertx).addCloseHook(done -> {
        SHARED.remove(vertx, store);
        store.close().onComplete(ar -> done.succeed());
      });
      return store;
    }), false);
  }

  private static final java.util.Map<Vertx, HazelcastDeliveryStore> SHARED = new ConcurrentHashMap<>();

  /** Stops following partition migrations and ends the store's threads; the map stays. */
  public Future<Void> close() {
    synchronized (this) {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
    }
    return vertx.executeBlocking(() -> {
      synchronized (this) {
        if (migrationListener != null) {
          hazelcast.getPartitionService().removeMigrationListener(migrationListener);
          migrationListener = null;
        }
      }
      queries.shutdownNow();
      return null;
    }, false).mapEmpty();
  }

  private static String key(String worker, String id) {
    return worker + SEPARATOR + id;
  }

  private static HazelcastJsonValue entry(String kind, String worker, JsonObject record) {
    return new HazelcastJsonValue(new JsonObject().put("worker", worker).put("kind", kind).put("record", record).encode());
  }

  @Override
  public Future<Void> save(String worker, StoredDelivery delivery) {
    String key = key(worker, delivery.delivery().id());
    return change(key, () -> entries.setAsync(key, entry(PENDING, worker, StoreCodec.encode(delivery))));
  }

  @Override
  public Future<Void> remove(String worker, String id) {
    String key = key(worker, id);
    return change(key, () -> entries.deleteAsync(key));
  }

  @Override
  public Future<Void> deadLetter(String worker, DeadLetter letter) {
    String key = key(worker, letter.id());
    return change(key, () -> entries.setAsync(key, entry(DEAD, worker, StoreCodec.encode(letter))));
  }

  /** Runs {@code write} once the change of the same key before it is done; completes on the caller's context. */
  private Future<Void> change(String key, Supplier<CompletionStage<?>> write) {
    Context caller = Vertx.currentContext();
    Promise<Void> done = Promise.promise();
    Future<Void> mine = running.compute(key, (k, before) -> (before == null ? Future.<Void>succeededFuture()
        : before.<Void>transform(ar -> Future.succeededFuture()))
        .compose(v -> Future.fromCompletionStage(write.get()).<Void>mapEmpty()));
    mine.onComplete(ar -> {
      running.remove(key, mine);
      if (caller == null) {
        done.handle(ar);
      } else {
        caller.runOnContext(v -> done.handle(ar));
      }
    });
    return done.future();
  }

  @Override
  public Future<StoredState> load(String worker) {
    return onWorkerThread(() -> {
      List<StoredDelivery> pending = new ArrayList<>();
      List<DeadLetter> dead = new ArrayList<>();
      for (HazelcastJsonValue value : entries.values(Predicates.equal("worker", worker))) {
        try {
          JsonObject json = new JsonObject(value.getValue());
          if (DEAD.equals(json.getString("kind"))) {
            dead.add(StoreCodec.deadLetter(json.getJsonObject("record")));
          } else {
            pending.add(StoreCodec.storedDelivery(json.getJsonObject("record")));
          }
        } catch (RuntimeException damaged) {
          // One damaged record must not keep the worker from starting, nor be thrown away unseen.
          LOG.log(System.Logger.Level.WARNING, () -> "a record of " + worker + " cannot be read and is left in place: "
              + value.getValue(), damaged);
        }
      }
      return new StoredState(pending, dead);
    });
  }

  @Override
  public Future<Set<String>> workers() {
    return onWorkerThread(() -> new HashSet<>(
        entries.project(Projections.<java.util.Map.Entry<String, HazelcastJsonValue>, String>singleAttribute("worker"))));
  }

  /**
   * Runs {@code query} on the store's own threads, while no partition moves: Hazelcast's
   * queries do not promise a whole answer while partitions migrate (as they do right after a member
   * is lost, when backups become owners), and a worker that resumed from half its deliveries would
   * lose the rest. So: wait until every partition has a live owner and no migration runs, query,
   * and query again if a migration began or ended meanwhile. Its future completes on the caller's context.
   */
  private <T> Future<T> onWorkerThread(java.util.concurrent.Callable<T> query) {
    return StoreThreads.run(queries, () -> {
      followMigrations();
      long deadline = System.nanoTime() + SAFE_QUERY_TIMEOUT.toNanos();
      while (true) {
        awaitSafe(deadline);
        long migrationsBefore = migrations.get();
        T result = query.call();
        if (migrations.get() == migrationsBefore && partitionsSettled()) {
          return result;
        }
      }
    });
  }

  /** Registers the migration listener, once, on a worker thread: registering waits on the cluster. */
  private synchronized void followMigrations() {
    if (migrationListener != null || closed) {
      return;
    }
    migrationListener = hazelcast.getPartitionService().addMigrationListener(new com.hazelcast.partition.MigrationListener() {
      @Override
      public void migrationStarted(com.hazelcast.partition.MigrationState state) {
        migrating.incrementAndGet();
        migrations.incrementAndGet();
      }

      @Override
      public void migrationFinished(com.hazelcast.partition.MigrationState state) {
        migrating.updateAndGet(n -> Math.max(0, n - 1));
        migrations.incrementAndGet();
      }

      @Override
      public void replicaMigrationCompleted(com.hazelcast.partition.ReplicaMigrationEvent event) {
      }

      @Override
      public void replicaMigrationFailed(com.hazelcast.partition.ReplicaMigrationEvent event) {
      }
    });
  }

  private void awaitSafe(long deadline) throws InterruptedException {
    while (!partitionsSettled()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the cluster's partitions did not settle within " + SAFE_QUERY_TIMEOUT
            + ": not loading from a map that may answer in part");
      }
      Thread.sleep(10);
    }
  }

  /**
   * True when, as this member sees it, every partition is owned by a member of the cluster and no
   * migration runs. Local, so it answers at once: Hazelcast's own {@code isClusterSafe()} asks
   * every member and, when one has just died, waits for it up to its call timeout (a minute).
   */
  private boolean partitionsSettled() {
    if (migrating.get() != 0) {
      return false;
    }
    java.util.Set<com.hazelcast.cluster.Member> members = hazelcast.getCluster().getMembers();
    for (com.hazelcast.partition.Partition partition : hazelcast.getPartitionService().getPartitions()) {
      com.hazelcast.cluster.Member owner = partition.getOwner();
      if (owner == null || !members.contains(owner)) {
        return false;
      }
    }
    return true;
  }
}
