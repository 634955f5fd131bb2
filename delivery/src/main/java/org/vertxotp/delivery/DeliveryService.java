package org.vertxotp.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.vertxotp.delivery.impl.WorkerServer;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * Delivers through one transport with one set of options: a supervisor (registered as the
 * service's name) with a {@link DeliveryWorker} per destination, added as a child the first time
 * something is enqueued for it, and again at start for every destination the store holds
 * something for under this service's name.
 *
 * <p>A destination's worker is the supervisor's child with the destination as its id, so two
 * enqueues racing to start it, or an enqueue while it is being restarted, never make two: the
 * supervisor answers the second with {@code already started}, as OTP's {@code start_child} does.
 * An enqueue that reaches no worker (it was just restarting) tries again a few times, shortly.
 *
 * <pre>{@code
 * DeliveryService peers = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, httpOptions),
 *     new DeliveryWorkerOptions()).await();
 * peers.enqueue(new Delivery(activityId, "https://example.social/users/ann/inbox", activity)).await(); // stored
 * }</pre>
 *
 * <p>The service owns its transport: {@link #stop} closes it.
 */
public final class DeliveryService {

  /** A worker that crashes is restarted; more than this many restarts in {@link #RESTART_PERIOD} stop the service. */
  public static final int RESTART_INTENSITY = 10;
  public static final Duration RESTART_PERIOD = Duration.ofSeconds(10);
  /** How long an enqueue that found no worker waits before each new try (a worker being restarted is back in about a millisecond). */
  private static final long[] RETRY_AFTER_MILLIS = {2, 10, 50, 250};

  private final Vertx vertx;
  private final String name;
  private final Transport transport;
  private final DeliveryWorkerOptions options;
  private final DeliveryStore store;

  private DeliveryService(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options, DeliveryStore store) {
    this.vertx = vertx;
    this.name = name;
    this.transport = transport;
    this.options = options;
    this.store = store;
  }

  /**
   * Starts the service and a worker for every destination its store holds deliveries or dead
   * letters for. If any of that fails, what was started is stopped again, the transport (which the
   * service owns from here on: give each service its own) is closed, and the future fails.
   */
  public static Future<DeliveryService> start(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options) {
    Objects.requireNonNull(transport, "transport");
    if (name == null || name.isEmpty() || name.contains("/") || options == null) {
      return closed(transport).transform(closed -> Future.failedFuture(new IllegalArgumentException(
          "a delivery service needs options and a name, not empty and without '/' (its workers are named"
              + " service/destination): " + name)));
    }
    DeliveryWorkerOptions own = new DeliveryWorkerOptions(options);
    DeliveryStore store = own.getStore() != null ? own.getStore() : new InMemoryDeliveryStore();
    DeliveryService service = new DeliveryService(vertx, name, transport, own, store);
    SupervisorSpec spec = SupervisorSpec.oneForOne().withIntensity(RESTART_INTENSITY, RESTART_PERIOD);
    return Supervisor.start(vertx, spec, new StartOptions().setName(name))
        .compose(supervisor -> service.restartKeptWorkers()
            .recover(failed -> GenServer.stop(vertx, supervisor).transform(stopped -> Future.failedFuture(failed))))
        .<DeliveryService>map(started -> service)
        .recover(failed -> closed(transport).transform(closed -> Future.failedFuture(failed))); // it owns the transport
  }

  private Future<Void> restartKeptWorkers() {
    String prefix = name + "/";
    return store.workers().compose(kept -> {
      List<Future<ServerName>> started = new ArrayList<>();
      for (String worker : kept) {
        if (worker.startsWith(prefix)) { // another service's workers may share the store
          started.add(worker(worker.substring(prefix.length())));
        }
      }
      return Future.all(started).mapEmpty();
    });
  }

  /** The worker that delivers to {@code target}'s destination (whether it runs yet or not). */
  public ServerName workerFor(String target) {
    return nameOf(transport.destinationOf(target));
  }

  private ServerName nameOf(String destination) {
    return ServerName.of(name + "/" + destination);
  }

  /** Accepts a delivery due now; see {@link #enqueue(Delivery, Duration)}. */
  public Future<Boolean> enqueue(Delivery delivery) {
    return enqueue(delivery, Duration.ZERO);
  }

  /**
   * Accepts a delivery due after {@code delay} (a scheduled follow-up); completes once stored:
   * {@code true}, or {@code false} if that id was already pending. Fails with
   * {@link NotStoredException} if the store failed, or with the worker's {@code CallException}.
   */
  public Future<Boolean> enqueue(Delivery delivery, Duration delay) {
    String destination = transport.destinationOf(delivery.target());
    return enqueue(destination, delivery, delay, 0);
  }

  private Future<Boolean> enqueue(String destination, Delivery delivery, Duration delay, int retry) {
    return worker(destination)
        .compose(worker -> DeliveryWorker.enqueue(vertx, worker, delivery, delay))
        .recover(failure -> {
          // The worker was being restarted (NO_SERVER) or died during the call (SERVER_EXITED, and an
          // enqueue is idempotent by id): try again shortly, a few times.
          boolean restarting = failure instanceof CallException call
              && (call.failure() == CallFailure.NO_SERVER || call.failure() == CallFailure.SERVER_EXITED);
          if (!restarting || retry == RETRY_AFTER_MILLIS.length) {
            return Future.failedFuture(failure);
          }
          return vertx.timer(RETRY_AFTER_MILLIS[retry]).compose(v -> enqueue(destination, delivery, delay, retry + 1));
        });
  }

  /** The worker of {@code destination}, added to the supervisor if it has none yet. */
  private Future<ServerName> worker(String destination) {
    ServerName worker = nameOf(destination);
    if (GenServer.whereisLocal(vertx, worker).isPresent()) {
      return Future.succeededFuture(worker);
    }
    WorkerServer.Args args = new WorkerServer.Args(destination, worker.name(), transport, store, options);
    ChildSpec spec = ChildSpec.worker(destination, () -> new WorkerServer(vertx), args).withName(worker.name());
    return Supervisor.startChild(vertx, ServerName.of(name), spec)
        .map(ref -> worker)
        .recover(e -> e instanceof StartException start
            && (start.failure() == StartFailure.ALREADY_STARTED || start.failure() == StartFailure.ALREADY_PRESENT)
            ? Future.succeededFuture(worker) : Future.failedFuture(e)); // added by a racing enqueue, or being restarted
  }

  /** The store the workers keep their state in. */
  public DeliveryStore store() {
    return store;
  }

  /**
   * Stops every worker (their state stays in the store), then the service, then closes its
   * transport. A service whose supervisor already gave up counts as stopped.
   */
  public Future<Void> stop() {
    Future<Void> stopped = GenServer.stop(vertx, ServerName.of(name))
        .recover(e -> e instanceof CallException call && call.failure() == CallFailure.NO_SERVER
            ? Future.succeededFuture() : Future.failedFuture(e));
    return stopped.transform(done -> closed(transport).transform(closing -> done.succeeded()
        ? (closing.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(closing.cause()))
        : Future.<Void>failedFuture(done.cause())));
  }

  /** Closes {@code transport}: a close that throws, fails or gives nothing is a failed future, never a throw. */
  private static Future<Void> closed(Transport transport) {
    return Future.<Void>future(promise -> transport.close().onComplete(promise));
  }
}
