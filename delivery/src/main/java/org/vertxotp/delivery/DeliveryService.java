package org.vertxotp.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.vertxotp.delivery.impl.Reviver;
import org.vertxotp.delivery.impl.WorkerServer;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.delivery.spi.WorkerPlacement;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * Delivers through one transport with one set of options: a supervisor (registered as the
 * service's name) with a {@link DeliveryWorker} per destination, added as a child the first time
 * something is enqueued for it, and again each time the service starts for every destination the
 * store holds something for under this service's name.
 *
 * <p>A destination's worker is the supervisor's child with the destination as its id, so two
 * enqueues racing to start it, or an enqueue while it is being restarted, never make two: the
 * supervisor answers the second with {@code already started}, as OTP's {@code start_child} does.
 * An enqueue that reaches no worker (it was just restarting) tries again a few times, shortly.
 *
 * <p>On its own ({@link #start}) the service owns its transport and closes it when it stops:
 *
 * <pre>{@code
 * DeliveryService peers = DeliveryService.start(vertx, "outbox", new HttpTransport(vertx, httpOptions),
 *     new DeliveryWorkerOptions()).await();
 * peers.enqueue(new Delivery(activityId, "https://example.social/users/ann/inbox", activity)).await(); // stored
 * }</pre>
 *
 * <p>In an application's own supervision tree, as OTP applications nest supervisors,
 * {@link #create} makes the handle and {@link #childSpec} the child that runs it:
 *
 * <pre>{@code
 * DeliveryService outbox = DeliveryService.create(vertx, "outbox", transport, options);
 * Supervisor.start(vertx, SupervisorSpec.oneForOne(outbox.childSpec(), otherChild)).await();
 * outbox.enqueue(delivery).await();
 * }</pre>
 *
 * A store outage stops nothing: a worker that cannot load waits and loads again (answering
 * {@link NotStoredException} meanwhile), and so does the start of the kept workers.
 *
 * <p>Over a cluster, with a store every node reads and a {@link WorkerPlacement} that spreads the
 * workers (the cluster module's {@code HazelcastPlacement}), every node runs a part of the service
 * ({@link #part()}) and the workers placed on it; an enqueue, or any {@link DeliveryWorker} call to
 * {@link #workerFor}, works from any node. A worker whose destination is no longer placed on its
 * node stops without sending anything more, and the node it belongs on starts it from the store.
 * Plain Vert.x programs enqueue through {@link DeliveryWireFormat}.
 */
public final class DeliveryService {

  /** A worker that crashes is restarted; more than this many restarts in {@link #RESTART_PERIOD} stop the service. */
  public static final int RESTART_INTENSITY = 10;
  public static final Duration RESTART_PERIOD = Duration.ofSeconds(10);
  /** How long an enqueue that found no worker waits before each new try (a worker being restarted is back in about a millisecond). */
  private static final long[] RETRY_AFTER_MILLIS = {2, 10, 50, 250, 1_000};
  /** How long an enqueue waits for another node to start a worker before it asks the worker anyway. */
  private static final Duration START_WORKER_TIMEOUT = Duration.ofSeconds(10);
  /** The child id of the reviver: no destination is empty, so no worker has it. */
  private static final String REVIVER = "";

  private final Vertx vertx;
  private final String name;
  private final Transport transport;
  private final DeliveryWorkerOptions options;
  private final DeliveryStore store;
  private final WorkerPlacement placement;

  private DeliveryService(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options, DeliveryStore store) {
    this.vertx = vertx;
    this.name = name;
    this.transport = transport;
    this.options = options;
    this.store = store;
    this.placement = options.getPlacement();
  }

  /**
   * The handle of a service that runs in an application's supervision tree ({@link #childSpec}):
   * nothing starts here. The tree does not close the transport (a restarted service uses it
   * again): close it when the application stops.
   *
   * @throws IllegalArgumentException for a name that is empty or has a {@code '/'}, or no options
   */
  public static DeliveryService create(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(transport, "transport");
    if (name == null || name.isEmpty() || name.contains("/") || options == null) {
      throw new IllegalArgumentException("a delivery service needs options and a name, not empty and without '/' (its"
          + " workers are named service/destination): " + name);
    }
    DeliveryWorkerOptions own = new DeliveryWorkerOptions(options);
    return new DeliveryService(vertx, name, transport, own, own.getStore() != null ? own.getStore() : new InMemoryDeliveryStore());
  }

  /**
   * Starts the service on its own, and a worker for every destination its store holds deliveries
   * or dead letters for (if the store cannot say, it keeps trying in the background). If the
   * service cannot start, the transport (which the service owns from here on: give each service
   * its own) is closed, and the future fails.
   */
  public static Future<DeliveryService> start(Vertx vertx, String name, Transport transport, DeliveryWorkerOptions options) {
    DeliveryService service;
    try {
      service = create(vertx, name, transport, options);
    } catch (RuntimeException invalid) {
      return transport == null ? Future.failedFuture(invalid)
          : closed(transport).transform(closed -> Future.failedFuture(invalid));
    }
    return service.run(new StartOptions().setName(service.part()))
        .<DeliveryService>map(started -> service)
        .recover(failed -> closed(transport).transform(closed -> Future.failedFuture(failed))); // it owns the transport
  }

  /**
   * The child that runs this service (this node's part of it, with a placement that spreads the
   * workers over a cluster) in a supervision tree: a supervisor registered as {@link #part()},
   * with id the service's name, restarted as its parent says (permanent by default), and
   * stopped with the time its workers take. Each start, restarts included, starts the workers of
   * what the store keeps (those placed on this node) before it completes, or hands that to the
   * background if the store cannot say (or, in a cluster, if the node's lease is not confirmed yet:
   * it starts them when placement says they belong here).
   */
  public ChildSpec childSpec() {
    return ChildSpec.of(name, (vertx, startOptions, args) -> run(startOptions))
        .withName(part().name()).withShutdown(GenServer.INFINITY);
  }

  /**
   * The name of this node's part of the service, its supervisor: the service's name with the
   * default placement (every worker on this node), the name and the node with one that spreads
   * them over a cluster ({@link WorkerPlacement#partName}).
   */
  public ServerName part() {
    return ServerName.of(WorkerPlacement.partName(name, placement.node()));
  }

  /** The reviver of the part on {@code node}: it starts the workers placed there, for the store and for other nodes. */
  private ServerName reviverOf(String node) {
    return ServerName.of(WorkerPlacement.partName(name, node) + "/");
  }

  /** Starts the service's supervisor with {@code startOptions}, and waits for the first try at starting the kept workers. */
  private Future<ServerRef> run(StartOptions startOptions) {
    // On one node the reviver has no name (one of an earlier incarnation may still be on its way
    // out); in a cluster the other nodes ask it by name to start the workers placed here.
    Reviver.Args reviverArgs = new Reviver.Args(name, part(), store, placement, this::revive, this::enqueue);
    ChildSpec revive = ChildSpec.worker(REVIVER, () -> new Reviver(vertx), reviverArgs);
    if (!placement.node().isEmpty()) {
      revive = revive.withName(reviverOf(placement.node()).name());
    }
    SupervisorSpec spec = SupervisorSpec.oneForOne(revive).withIntensity(RESTART_INTENSITY, RESTART_PERIOD);
    return Supervisor.start(vertx, spec, startOptions).compose(supervisor -> Supervisor.whichChildren(vertx, supervisor)
        .compose(children -> children.get(0).server()
            .map(reviver -> GenServer.<Void>call(vertx, reviver, new Reviver.AwaitFirstTry(), GenServer.INFINITY))
            .orElse(Future.succeededFuture())) // being restarted: it starts them when it is back
        .transform(tried -> tried.succeeded() ? Future.succeededFuture(supervisor)
            : GenServer.stop(vertx, supervisor).transform(stopped -> Future.<ServerRef>failedFuture(tried.cause()))));
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
    return locate(destination).compose(worker -> enqueue(destination, worker, delivery, delay, 0));
  }

  private Future<Boolean> enqueue(String destination, Destination worker, Delivery delivery, Duration delay, int retry) {
    return DeliveryWorker.enqueue(vertx, worker, delivery, delay)
        .recover(failure -> {
          // No worker yet (NO_SERVER: it is started where the placement puts it, then asked again),
          // or it died during the call (SERVER_EXITED: an enqueue is idempotent by id): a few tries, shortly.
          boolean absent = failure instanceof CallException call && call.failure() == CallFailure.NO_SERVER;
          boolean exited = failure instanceof CallException call && call.failure() == CallFailure.SERVER_EXITED;
          if (!(absent || exited) || retry == RETRY_AFTER_MILLIS.length) {
            return Future.failedFuture(failure);
          }
          Future<?> paused = retry == 0 && absent ? Future.succeededFuture() : vertx.timer(RETRY_AFTER_MILLIS[retry]);
          return paused.compose(v -> absent ? startWorker(destination) : Future.succeededFuture(nameOf(destination)))
              .compose(next -> enqueue(destination, next, delivery, delay, retry + 1));
        });
  }

  /**
   * Where to ask the worker of {@code destination} first: here if it runs here, or if it belongs
   * here (started first, without asking the names of the cluster); else by its name, wherever it
   * runs (started where it belongs if it runs nowhere, see {@link #enqueue}).
   */
  private Future<Destination> locate(String destination) {
    ServerName worker = nameOf(destination);
    if (GenServer.whereisLocal(vertx, worker).isPresent() || !placement.isHere(name, destination)) {
      return Future.succeededFuture(worker);
    }
    return startWorker(destination);
  }

  /**
   * Has the worker of {@code destination} started where the placement puts it: here, or by the
   * reviver of the node it belongs on. Completes (never fails) once that was tried, with where to
   * ask it: its ref when known (another node's copy of the names may not have it yet), else its
   * name. The enqueue that asked finds out by calling it.
   */
  private Future<Destination> startWorker(String destination) {
    ServerName worker = nameOf(destination);
    Optional<String> node = placement.nodeOf(name, destination);
    if (node.isEmpty()) {
      return Future.succeededFuture(worker); // nobody may run it now: the enqueue fails if nobody does
    }
    Future<Optional<ServerRef>> holder = node.get().equals(placement.node()) ? revive(destination)
        : GenServer.call(vertx, reviverOf(node.get()), new Reviver.StartWorker(destination), START_WORKER_TIMEOUT);
    return holder.<Destination>map(held -> held.<Destination>map(ref -> ref).orElse(worker)).otherwise(worker);
  }

  /**
   * Starts the worker of {@code destination}, for an enqueue or the reviver: empty if started (or
   * the supervisor has it already), or the server that holds its name (one started meanwhile, or
   * the worker of an earlier incarnation on its way out).
   */
  private Future<Optional<ServerRef>> revive(String destination) {
    return startOrHolder(destination).recover(e -> {
      if (e instanceof StartException present && present.failure() == StartFailure.ALREADY_PRESENT) {
        // Its child is being restarted, or stopped for good (its destination was placed elsewhere
        // for a while): the latter is started again; deleting the former fails, and it comes back anyway.
        return Supervisor.deleteChild(vertx, part(), destination).transform(deleted -> deleted.failed()
            ? Future.succeededFuture(Optional.<ServerRef>empty()) : startOrHolder(destination));
      }
      return Future.failedFuture(e);
    });
  }

  /** Starts the worker of {@code destination}: empty if started, or the server that holds its name. */
  private Future<Optional<ServerRef>> startOrHolder(String destination) {
    return Supervisor.startChild(vertx, part(), spec(destination))
        .map(ref -> Optional.<ServerRef>empty())
        .recover(e -> e instanceof StartException start && start.failure() == StartFailure.ALREADY_STARTED
            ? Future.succeededFuture(start.holder()) : Future.failedFuture(e));
  }

  private ChildSpec spec(String destination) {
    WorkerServer.Args args = new WorkerServer.Args(destination, nameOf(destination).name(), transport, store, options,
        () -> placement.isHere(name, destination));
    // Spread over a cluster, transient: a worker that stops because its destination is placed
    // elsewhere now is not started again here. On one node, permanent, as it always was.
    return ChildSpec.worker(destination, () -> new WorkerServer(vertx), args).withName(nameOf(destination).name())
        .withRestart(placement == WorkerPlacement.LOCAL ? org.vertxotp.genserver.supervisor.Restart.PERMANENT
            : org.vertxotp.genserver.supervisor.Restart.TRANSIENT);
  }

  /** The store the workers keep their state in. */
  public DeliveryStore store() {
    return store;
  }

  /**
   * Stops every worker (their state stays in the store), then the service, then closes its
   * transport: for a service started with {@link #start}. (One in a supervision tree is stopped by
   * its parent; stopped here, a permanent child would be restarted.) A service whose supervisor
   * already gave up counts as stopped.
   */
  public Future<Void> stop() {
    Future<Void> stopped = GenServer.stop(vertx, part())
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
