package org.vertxotp.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.vertxotp.delivery.impl.WorkerRequests;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.GenServer;

/**
 * The calls one delivery worker answers (a worker is a gen_server per destination; find it with
 * {@link DeliveryService#workerFor}). They fail as gen_server calls do ({@code CallException}).
 */
public final class DeliveryWorker {

  private DeliveryWorker() {
  }

  /**
   * Accepts a delivery, due now or after {@code delay}; completes once the worker's store has it:
   * {@code true} if it was new, {@code false} if that id was already pending (nothing changes).
   * Fails with {@link NotStoredException} if the store failed (it was not accepted), and, as a call
   * does, with {@code TIMEOUT} if the store has not answered within the call's timeout (then the
   * outcome is unknown: enqueue it again; its id keeps that from being a second delivery). The
   * worker keeps a copy of the payload: changing it afterwards changes nothing.
   */
  public static Future<Boolean> enqueue(Vertx vertx, Destination worker, Delivery delivery, Duration delay) {
    if (delay.isNegative()) {
      return Future.failedFuture(new IllegalArgumentException("a negative delay: " + delay));
    }
    long delayMillis;
    try {
      delayMillis = delay.toMillis();
    } catch (ArithmeticException beyondMillis) {
      delayMillis = Long.MAX_VALUE; // as good as never
    }
    return kept(GenServer.call(vertx, worker, new WorkerRequests.Enqueue(delivery.withOwnPayload(), delayMillis)));
  }

  /** A change's answer, or the {@link NotStoredException} the worker answered with instead. */
  @SuppressWarnings("unchecked")
  private static <T> Future<T> kept(Future<Object> answer) {
    return answer.compose(value -> value instanceof WorkerRequests.NotStored notStored
        ? Future.failedFuture(new NotStoredException(notStored.reason()))
        : Future.succeededFuture((T) value));
  }

  /** Makes every waiting delivery due now (they still go at most the concurrency cap at a time). */
  public static Future<Void> flush(Vertx vertx, Destination worker) {
    return GenServer.call(vertx, worker, new WorkerRequests.Flush());
  }

  /**
   * Withdraws a pending delivery (an attempt in flight no longer counts); completes once the store
   * has forgotten it: true if it was pending.
   */
  public static Future<Boolean> cancel(Vertx vertx, Destination worker, String id) {
    return kept(GenServer.call(vertx, worker, new WorkerRequests.Cancel(id)));
  }

  public static Future<Optional<DeliveryStatus>> status(Vertx vertx, Destination worker, String id) {
    return GenServer.call(vertx, worker, new WorkerRequests.Status(id));
  }

  /** Pending deliveries, in enqueue order. */
  public static Future<List<DeliveryStatus>> pending(Vertx vertx, Destination worker) {
    return GenServer.call(vertx, worker, new WorkerRequests.Pending());
  }

  /** Dead letters, oldest first. */
  public static Future<List<DeadLetter>> deadLetters(Vertx vertx, Destination worker) {
    return GenServer.call(vertx, worker, new WorkerRequests.DeadLetters());
  }

  /**
   * Sends dead letters again, from attempt 1 with their ids unchanged, at most {@code perSecond} a
   * second; all of them when {@code ids} is empty. Completes, once the store has the change, with
   * how many went back to pending.
   */
  public static Future<Integer> redrive(Vertx vertx, Destination worker, List<String> ids, double perSecond) {
    if (!(perSecond > 0) || ids == null) {
      return Future.failedFuture(new IllegalArgumentException("redrive needs ids (empty for all) and a positive rate: " + perSecond));
    }
    return kept(GenServer.call(vertx, worker, new WorkerRequests.Redrive(List.copyOf(ids), perSecond)));
  }

  public static Future<DeliveryStats> stats(Vertx vertx, Destination worker) {
    return GenServer.call(vertx, worker, new WorkerRequests.Stats());
  }
}
