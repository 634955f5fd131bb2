package org.vertxotp.delivery;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/**
 * The in-memory store, failing or holding what the test says: the next writes, every write, the
 * loads, the listing of workers; holding writes, or loads. Like every store it applies the writes in the order they were
 * made (a held write holds the ones after it), as {@link DeliveryStore} promises; a failed write
 * changes nothing.
 */
final class FaultyStore implements DeliveryStore {

  static final String FAILURE = "disk full";

  final InMemoryDeliveryStore kept = new InMemoryDeliveryStore();
  /** Writes to fail, from the next one on. */
  final AtomicInteger failNextWrites = new AtomicInteger();
  volatile boolean failWrites;
  volatile boolean failLoads;
  volatile boolean failListing;
  /** Writes to hold, one per gate, in order: each goes ahead when its gate completes, fails when it fails. */
  final Queue<Promise<Void>> gates = new ConcurrentLinkedQueue<>();
  /** When set, loads wait for it: they go ahead when it completes. */
  volatile Promise<Void> loadGate;
  final AtomicInteger writes = new AtomicInteger();
  final AtomicInteger loads = new AtomicInteger();
  private Future<Void> last = Future.succeededFuture();

  private synchronized Future<Void> write(Supplier<Future<Void>> change) {
    writes.incrementAndGet();
    boolean fail = failWrites || failNextWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    Promise<Void> gate = gates.poll();
    Future<Void> mine = last.transform(before -> gate == null ? Future.<Void>succeededFuture() : gate.future())
        .compose(go -> fail ? Future.failedFuture(new IllegalStateException(FAILURE)) : change.get());
    if (mine.isComplete()) {
      return mine; // nothing held: answered at once, as the in-memory store is
    }
    // Held: answered in the order the writes were made (the answer is handed on before the next
    // write is let go).
    Future<Void> answered = onCallersContext(mine);
    last = mine.transform(done -> Future.succeededFuture()); // the next waits for this one, whatever became of it
    return answered;
  }

  /** What {@code held} comes to, answered on the caller's context as a real store answers, whoever completes it. */
  private static <T> Future<T> onCallersContext(Future<T> held) {
    Context caller = Vertx.currentContext();
    Promise<T> answered = Promise.promise();
    held.onComplete(ar -> {
      if (caller == null) {
        answered.handle(ar);
      } else {
        caller.runOnContext(v -> answered.handle(ar));
      }
    });
    return answered.future();
  }

  @Override
  public Future<Void> save(String worker, StoredDelivery delivery) {
    return write(() -> kept.save(worker, delivery));
  }

  @Override
  public Future<Void> remove(String worker, String id) {
    return write(() -> kept.remove(worker, id));
  }

  @Override
  public Future<Void> deadLetter(String worker, DeadLetter letter) {
    return write(() -> kept.deadLetter(worker, letter));
  }

  @Override
  public Future<StoredState> load(String worker) {
    loads.incrementAndGet();
    Promise<Void> gate = loadGate;
    if (gate == null) {
      return loaded(worker);
    }
    return onCallersContext(gate.future().compose(go -> loaded(worker)));
  }

  private Future<StoredState> loaded(String worker) {
    return failLoads ? Future.failedFuture(new IllegalStateException("store offline")) : kept.load(worker);
  }

  @Override
  public Future<Set<String>> workers() {
    return failListing ? Future.failedFuture(new IllegalStateException("store offline")) : kept.workers();
  }
}
