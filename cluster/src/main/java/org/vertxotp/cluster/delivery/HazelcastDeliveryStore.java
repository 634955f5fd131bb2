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
import io.vertx.core.json.JsonObject;
import org.vertxotp.cluster.impl.ClusterInternals;
import org.vertxotp.cluster.impl.NodeLease;
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
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoreCodec;
import org.vertxotp.delivery.spi.StoreThreads;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

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
  /**
   * Asked before a query whether every member knows this one yet ({@link NodeLease#knownToEveryMember});
   * null for a Hazelcast that is not this Vert.x's own.
   */
  private final NodeLease lease;
  private final java.util.concurrent.ExecutorService queries;
  /** Guarded by this store. */
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
    // Only the Hazelcast this Vert.x is clustered with: a lease asks the members over Vert.x's event bus.
    this.lease = ClusterInternals.hazelcastOf(vertx).filter(own -> own == hazelcast)
        .map(own -> NodeLease.of(vertx, own)).orElse(null);
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
    return ClusterInternals.onePerVertx(vertx, SHARED, hazelcast -> new HazelcastDeliveryStore(vertx, hazelcast, DEFAULT_MAP),
        HazelcastDeliveryStore::close);
  }

  private static final java.util.Map<Vertx, HazelcastDeliveryStore> SHARED = new ConcurrentHashMap<>();

  private synchronized boolean isClosed() {
    return closed;
  }

  /** Ends the store's threads; the map stays. */
  public Future<Void> close() {
    synchronized (this) {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
    }
    StoreThreads.shutdownNow(queries); // a load still waiting fails instead of waiting for ever
    return Future.succeededFuture();
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
   * Runs {@code query} on the store's own threads once every partition has an owner as this
   * member sees it (right after a member is lost, its partitions are owned by nobody until backups
   * are promoted). Hazelcast's query engine re-runs a partition whose answer went missing and
   * fails rather than answer in part; a query that fails so (an owner died under it) is run again,
   * until {@link #SAFE_QUERY_TIMEOUT} has passed. Its future completes on the caller's context.
   */
  private <T> Future<T> onWorkerThread(java.util.concurrent.Callable<T> query) {
    return StoreThreads.run(queries, () -> {
      long deadline = System.nanoTime() + SAFE_QUERY_TIMEOUT.toNanos();
      while (true) {
        awaitOwners(deadline);
        try {
          return query.call();
        } catch (com.hazelcast.core.HazelcastException | java.util.concurrent.CompletionException e) {
          if (System.nanoTime() - deadline > 0 || !hazelcast.getLifecycleService().isRunning() || isClosed()) {
            throw e;
          }
          Thread.sleep(100); // an owner died under the query: again, once its partitions have new owners
        }
      }
    });
  }

  private void awaitOwners(long deadline) throws InterruptedException {
    while (!everyPartitionOwned() || (lease != null && !lease.knownToEveryMember())) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the cluster's partitions did not all have an owner (or this member was not"
            + " known to every other) within " + SAFE_QUERY_TIMEOUT);
      }
      Thread.sleep(10);
    }
  }

  /**
   * True when, as this member sees it, every partition has an owner. Local, so it answers at once:
   * Hazelcast's own {@code isClusterSafe()} asks every member and, when one has just died, waits
   * for it up to its call timeout (a minute).
   */
  private boolean everyPartitionOwned() {
    for (com.hazelcast.partition.Partition partition : hazelcast.getPartitionService().getPartitions()) {
      if (partition.getOwner() == null) {
        return false;
      }
    }
    return true;
  }
}
