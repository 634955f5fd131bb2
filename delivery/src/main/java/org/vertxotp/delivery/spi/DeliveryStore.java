package org.vertxotp.delivery.spi;

import io.vertx.core.Future;
import java.util.Set;
import org.vertxotp.delivery.DeadLetter;

/**
 * Where a worker's pending deliveries and dead letters survive it: a restart of the worker, and,
 * for a durable store, of the process. Keyed by worker (its destination), so that any node can
 * take a worker over.
 *
 * <p>Operations of one worker are applied in the order they were called, and a load sees every
 * change called before it; a future completes once the change is kept (an acknowledged enqueue is
 * one that the store has), and completes once, failed or not, even if the store is down. The
 * worker sends a change's write at once, without waiting for the ones before it, and relies on
 * that order: of two writes of one delivery, the later one is what the store ends up holding.
 * Implementations never block an event loop.
 */
public interface DeliveryStore {

  /**
   * Keeps {@code delivery} as pending (new, or its state changed) and, in the same step, forgets a
   * dead letter of the same id (one redriven or enqueued again): after a crash the store holds
   * one or the other, never neither.
   */
  Future<Void> save(String worker, StoredDelivery delivery);

  /** Forgets the delivery {@code id}: its pending record (delivered, cancelled, dropped), and a dead letter of it if any. */
  Future<Void> remove(String worker, String id);

  /** Keeps {@code letter} as a dead letter, and forgets the pending delivery of the same id. */
  Future<Void> deadLetter(String worker, DeadLetter letter);

  /** Everything kept for {@code worker}. */
  Future<StoredState> load(String worker);

  /** The workers something is kept for: to be started again after a restart. */
  Future<Set<String>> workers();
}
