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
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * Delivers through one transport with one set of options: a dynamic supervisor (registered as the
 * service's name) with a {@link DeliveryWorker} per destination, started on the first delivery
 * for it, and started again for every destination the store still holds something for.
 *
 * <pre>{@code
 * DeliveryService peers = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, httpOptions),
 *     new DeliveryWorkerOptions()).await();
 * peers.enqueue(new Delivery(activityId, "https://example.social/users/ann/inbox", activity)).await(); // stored
 * }</pre>
 */
public final class DeliveryService {

  /** A worker that crashes is restarted; more than this many restarts in {@link #RESTART_PERIOD} stop the service. */
  public static final int RESTART_INTENSITY = 10;
  public static final Duration RESTART_PERIOD = Duration.ofSeconds(10);

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

  /** Starts the service and every worker its store holds deliveries or dead letters for. */
  public static Future<DeliveryService> start(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options) {
    Objects.requireNonNull(name, "name");
    DeliveryStore store = options.getStore() != null ? options.getStore() : new InMemoryDeliveryStore();
    DeliveryService service = new DeliveryService(vertx, name, transport, options, store);
    ChildSpec workers = ChildSpec.of("delivery-worker", (v, childOptions, args) -> {
      WorkerServer.Args worker = (WorkerServer.Args) args;
      return GenServer.start(v, new WorkerServer(v), worker, childOptions.setName(worker.name()));
    });
    SupervisorSpec spec = SupervisorSpec.dynamic(workers).withIntensity(RESTART_INTENSITY, RESTART_PERIOD);
    return Supervisor.start(vertx, spec, new StartOptions().setName(name))
        .compose(supervisor -> store.workers())
        .compose(destinations -> {
          List<Future<ServerName>> started = new ArrayList<>();
          destinations.forEach(destination -> started.add(service.worker(destination)));
          return Future.all(started);
        })
        .map(all -> service);
  }

  /** The worker that delivers to {@code target}'s destination (whether it runs yet or not). */
  public ServerName workerFor(String target) {
    return nameOf(transport.destinationOf(target));
  }

  private ServerName nameOf(String destination) {
    return ServerName.of(name + "/" + destination);
  }

  /** Accepts a delivery due now; completes once stored (false if that id was already pending). */
  public Future<Boolean> enqueue(Delivery delivery) {
    return enqueue(delivery, Duration.ZERO);
  }

  /** Accepts a delivery due after {@code delay} (a scheduled follow-up); completes once stored. */
  public Future<Boolean> enqueue(Delivery delivery, Duration delay) {
    return worker(transport.destinationOf(delivery.target()))
        .compose(worker -> DeliveryWorker.enqueue(vertx, worker, delivery, delay));
  }

  /** The worker of {@code destination}, started if it does not run yet. */
  private Future<ServerName> worker(String destination) {
    ServerName worker = nameOf(destination);
    if (GenServer.whereisLocal(vertx, worker).isPresent()) {
      return Future.succeededFuture(worker);
    }
    WorkerServer.Args args = new WorkerServer.Args(destination, worker.name(), transport, store, options);
    return Supervisor.startDynamicChild(vertx, ServerName.of(name), args)
        .map(ref -> worker)
        .recover(e -> e instanceof StartException start && start.failure() == StartFailure.ALREADY_STARTED
            ? Future.succeededFuture(worker) : Future.failedFuture(e)); // started by a racing enqueue
  }

  /** The store the workers keep their state in. */
  public DeliveryStore store() {
    return store;
  }

  /** Stops every worker (their state stays in the store), then the service. */
  public Future<Void> stop() {
    return GenServer.stop(vertx, ServerName.of(name));
  }
}
