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
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
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
 */
public final class DeliveryService {

  /** A worker that crashes is restarted; more than this many restarts in {@link #RESTART_PERIOD} stop the service. */
  public static final int RESTART_INTENSITY = 10;
  public static final Duration RESTART_PERIOD = Duration.ofSeconds(10);
  /** How long an enqueue that found no worker waits before each new try (a worker being restarted is back in about a millisecond). */
  private static final long[] RETRY_AFTER_MILLIS = {2, 10, 50, 250};
  /** The child id of the reviver: no destination is empty, so no worker has it. */
  private static final String REVIVER = "";

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
    return service.run(new StartOptions().setName(name))
        .<DeliveryService>map(started -> service)
        .recover(failed -> closed(transport).transform(closed -> Future.failedFuture(failed))); // it owns the transport
  }

  /**
   * The child that runs this service in a supervision tree: a supervisor registered as the
   * service's name, with id the name, restarted as its parent says (permanent by default), and
   * stopped with the time its workers take. Each start, restarts included, starts the workers of
   * what the store keeps before it completes (or hands that to the background if the store
   * cannot say).
   */
  public ChildSpec childSpec() {
    return ChildSpec.of(name, (vertx, startOptions, args) -> run(startOptions))
        .withName(name).withShutdown(GenServer.INFINITY);
  }

  /** Starts the service's supervisor with {@code startOptions}, and waits for the first try at starting the kept workers. */
  private Future<ServerRef> run(StartOptions startOptions) {
    // The reviver has no name: one of an earlier incarnation may still be on its way out.
    ChildSpec revive = ChildSpec.worker(REVIVER, () -> new Reviver(vertx), new Reviver.Args(name, store, this::revive));
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
    // Added by a racing enqueue, being restarted, or its name still held by one on its way out: an
    // enqueue to it then tries again shortly (see enqueue).
    return revive(destination).map(holder -> worker);
  }

  /**
   * Starts the worker of {@code destination}, for an enqueue or the reviver: empty if started (or
   * the supervisor has it already), or the server that holds its name (one started meanwhile, or
   * the worker of an earlier incarnation on its way out).
   */
  private Future<Optional<ServerRef>> revive(String destination) {
    return Supervisor.startChild(vertx, ServerName.of(name), spec(destination))
        .map(ref -> Optional.<ServerRef>empty())
        .recover(e -> {
          if (e instanceof StartException start && start.failure() == StartFailure.ALREADY_STARTED) {
            return Future.succeededFuture(start.holder());
          }
          return e instanceof StartException present && present.failure() == StartFailure.ALREADY_PRESENT
              ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e);
        });
  }

  private ChildSpec spec(String destination) {
    WorkerServer.Args args = new WorkerServer.Args(destination, nameOf(destination).name(), transport, store, options);
    return ChildSpec.worker(destination, () -> new WorkerServer(vertx), args).withName(nameOf(destination).name());
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
