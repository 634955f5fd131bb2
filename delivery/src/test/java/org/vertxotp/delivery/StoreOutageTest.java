package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.supervisor.ChildInfo;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * A store outage stops nothing: a worker that cannot load answers {@link NotStoredException} and
 * loads again until it can, a service that cannot list its workers starts anyway and revives them
 * later, and a service runs in the application's own supervision tree. Nothing is lost or sent
 * twice because of it.
 */
class StoreOutageTest extends OnManualClock {

  private static final ServerName OUTBOX = ServerName.of("outbox");

  private FaultyStore store;

  @BeforeEach
  void setUp() {
    store = new FaultyStore();
    TestLogs.allow("store offline"); // the worker and the reviver warn once of the outage,
    TestLogs.allow("failed tries"); // and say when it is over
    TestLogs.allow("failed attempts");
  }

  private DeliveryWorkerOptions options() {
    return new DeliveryWorkerOptions().setStore(store).setRandom(() -> 0);
  }

  private HttpTransport transport() {
    return new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1"));
  }

  private static Delivery delivery(String id, Peer peer) {
    return new Delivery(id, peer.inbox(), new JsonObject().put("id", id));
  }

  @Test
  void aWorkerWhoseStoreCannotLoadAnswersNotStoredKeepsTheServiceUpAndLoadsOnceTheStoreIsBack() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService service = Await.result(DeliveryService.start(vertx, "outbox", transport(), options()));
    Await.result(service.enqueue(delivery("a", peer), Duration.ofMinutes(5)));
    ServerRef supervisor = GenServer.whereisLocal(vertx, OUTBOX).orElseThrow();
    ServerRef crashed = GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).orElseThrow();
    store.failLoads = true;
    Await.result(GenServer.kill(vertx, crashed));
    Await.until(() -> GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).filter(r -> !r.equals(crashed)).isPresent(),
        "restarted by its supervisor");
    until(service, peer.inbox(), s -> !s.loaded(), "unable to load");
    ServerRef waiting = GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).orElseThrow();
    Throwable refused = Await.failure(service.enqueue(delivery("b", peer)));
    assertInstanceOf(NotStoredException.class, refused);
    assertTrue(refused.getMessage().startsWith("unavailable"), refused.getMessage());
    int loads = store.loads.get();
    for (int i = 0; i < 20; i++) { // ten minutes of outage: far past the supervisor's restart intensity
      clock.advance(Duration.ofSeconds(30));
    }
    Await.until(() -> store.loads.get() >= loads + 20, "it keeps trying: " + store.loads.get());
    assertEquals(supervisor, GenServer.whereisLocal(vertx, OUTBOX).orElseThrow(), "the service lives on");
    assertEquals(waiting, GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).orElseThrow(), "no crash loop");
    assertEquals(0, peer.seen.size(), "nothing sent while nothing is loaded");

    store.failLoads = false;
    clock.advance(Duration.ofSeconds(30));
    until(service, peer.inbox(), DeliveryStats::loaded, "loaded once the store is back");
    assertEquals(true, Await.result(service.enqueue(delivery("b", peer))));
    until(service, peer.inbox(), s -> s.delivered() == 2, "the overdue one and the new one delivered");
    assertEquals(List.of("a", "b"), List.of(peer.next().header("idempotency-key"), peer.next().header("idempotency-key"))
        .stream().sorted().toList());
    clock.advance(Duration.ofHours(1));
    nothingSent(service, peer, 0, "each once");
  }

  @Test
  void callsMadeDuringTheFirstLoadWaitForItAndAreAnsweredAfter() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    Promise<Void> firstLoad = Promise.promise();
    store.loadGate = firstLoad;
    DeliveryService service = Await.result(DeliveryService.start(vertx, "outbox", transport(), options()));
    Future<Boolean> first = service.enqueue(delivery("a", peer), Duration.ofMinutes(1)); // starts the worker
    Await.until(() -> store.loads.get() == 1, "the worker's first load is under way");
    Future<Boolean> second = service.enqueue(delivery("b", peer), Duration.ofMinutes(1));
    BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    first.onComplete(answers::add);
    second.onComplete(answers::add);
    Await.nothingFor(answers, 100); // neither answered early, nor refused as unavailable
    store.loadGate = null;
    firstLoad.complete();
    assertEquals(true, Await.result(first), "waited for the load, and kept");
    assertEquals(true, Await.result(second), "waited for the load, and kept");
    for (String id : List.of("a", "b")) {
      assertTrue(Await.result(DeliveryWorker.status(vertx, service.workerFor(peer.inbox()), id)).isPresent(), id + " pending");
    }
  }

  @Test
  void aServiceWhoseStoreCannotListItsWorkersStartsAnywayAndRevivesThemOnceItCan() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService first = Await.result(DeliveryService.start(vertx, "outbox", transport(), options()));
    Await.result(first.enqueue(delivery("kept", peer), Duration.ofMinutes(1)));
    Await.result(first.stop());
    store.failListing = true;
    DeliveryService service = Await.result(DeliveryService.start(vertx, "outbox", transport(), options()));
    assertFalse(GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).isPresent(), "not revived yet");
    Peer other = Peer.start(vertx, n -> Peer.status(202));
    assertEquals(true, Await.result(service.enqueue(delivery("new", other))), "the service works meanwhile");
    store.failListing = false;
    clock.advance(Duration.ofSeconds(1)); // the reviver's next try
    Await.until(() -> GenServer.whereisLocal(vertx, service.workerFor(peer.inbox())).isPresent(), "revived");
    clock.advance(Duration.ofMinutes(1));
    assertEquals("kept", peer.next().header("idempotency-key"));
    until(service, peer.inbox(), s -> s.delivered() == 1, "delivered");
  }

  @Test
  void aServiceRunsInTheApplicationsSupervisionTreeAndARestartByItsParentRevivesItsWorkers() {
    Peer peer = Peer.start(vertx, n -> Peer.status(202));
    DeliveryService outbox = DeliveryService.create(vertx, "outbox", transport(), options());
    ServerRef application = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(outbox.childSpec())));
    List<ChildInfo> children = Await.result(Supervisor.whichChildren(vertx, application));
    assertEquals("outbox", children.get(0).id());
    assertEquals(GenServer.whereisLocal(vertx, OUTBOX), children.get(0).server());
    Await.result(outbox.enqueue(delivery("a", peer), Duration.ofMinutes(1)));
    ServerRef before = GenServer.whereisLocal(vertx, OUTBOX).orElseThrow();
    ServerRef oldWorker = GenServer.whereisLocal(vertx, outbox.workerFor(peer.inbox())).orElseThrow();
    Await.result(GenServer.kill(vertx, before)); // its workers go with it
    Await.until(() -> GenServer.whereisLocal(vertx, OUTBOX).filter(ref -> !ref.equals(before)).isPresent(),
        "restarted by the application's supervisor");
    Await.until(() -> GenServer.whereisLocal(vertx, outbox.workerFor(peer.inbox())).filter(ref -> !ref.equals(oldWorker))
        .isPresent(), "its worker revived, once the old one was gone");
    assertTrue(Await.result(DeliveryWorker.status(vertx, outbox.workerFor(peer.inbox()), "a")).isPresent());
    clock.advance(Duration.ofMinutes(1));
    assertEquals("a", peer.next().header("idempotency-key"));
    until(outbox, peer.inbox(), s -> s.delivered() == 1, "delivered");
    Await.result(GenServer.stop(vertx, application));
    assertFalse(GenServer.whereisLocal(vertx, OUTBOX).isPresent(), "stopped with its parent");
  }
}
