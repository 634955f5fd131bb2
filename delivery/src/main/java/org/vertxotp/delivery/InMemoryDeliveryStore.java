package org.vertxotp.delivery;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/**
 * The single-node default: keeps pending deliveries and dead letters in memory, so they survive a
 * restart of their worker (by its supervisor) but not of the process. Every future is complete
 * when it is returned.
 */
public final class InMemoryDeliveryStore implements DeliveryStore {

  private static final class Kept {
    final Map<String, StoredDelivery> pending = new LinkedHashMap<>();
    final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
  }

  private final Map<String, Kept> workers = new ConcurrentHashMap<>();

  private Kept of(String worker) {
    return workers.computeIfAbsent(worker, w -> new Kept());
  }

  /** Applies {@code change} to the worker's state, under its lock (workers run on several event loops). */
  private Future<Void> change(String worker, Consumer<Kept> change) {
    Kept kept = of(worker);
    synchronized (kept) {
      change.accept(kept);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> save(String worker, StoredDelivery delivery) {
    return change(worker, kept -> {
      kept.pending.put(delivery.delivery().id(), delivery);
      kept.deadLetters.remove(delivery.delivery().id());
    });
  }

  @Override
  public Future<Void> remove(String worker, String id) {
    return change(worker, kept -> {
      kept.pending.remove(id);
      kept.deadLetters.remove(id);
    });
  }

  @Override
  public Future<Void> deadLetter(String worker, DeadLetter letter) {
    return change(worker, kept -> {
      kept.pending.remove(letter.id());
      kept.deadLetters.put(letter.id(), letter);
    });
  }

  @Override
  public Future<StoredState> load(String worker) {
    Kept kept = of(worker);
    synchronized (kept) {
      return Future.succeededFuture(new StoredState(new ArrayList<>(kept.pending.values()),
          new ArrayList<>(kept.deadLetters.values())));
    }
  }

  @Override
  public Future<Set<String>> workers() {
    Set<String> withState = ConcurrentHashMap.newKeySet();
    workers.forEach((worker, kept) -> {
      synchronized (kept) {
        if (!kept.pending.isEmpty() || !kept.deadLetters.isEmpty()) {
          withState.add(worker);
        }
      }
    });
    return Future.succeededFuture(Set.copyOf(withState));
  }
}
