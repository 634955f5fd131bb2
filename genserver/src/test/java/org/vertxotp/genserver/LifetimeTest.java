package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * A server's life is tied only to its supervisor and explicit stops; starting, killing and
 * shutting down are bounded in time whatever its callbacks do.
 */
@ExtendWith(TestVertx.class)
class LifetimeTest {

  private final Queue<String> log = new ConcurrentLinkedQueue<>();

  private ChildSpec kid(String id) {
    return ChildSpec.worker(id, Kid::new, new Kid.Args(id, log)).withName(id);
  }

  /** Starts a server (as its own verticle) when it starts, and hosts a supervisor on its context if asked. */
  static final class Starter extends VerticleBase {
    private final SupervisorSpec hostedTree;
    ServerRef started;

    Starter(SupervisorSpec hostedTree) {
      this.hostedTree = hostedTree;
    }

    @Override
    public Future<?> start() {
      if (hostedTree != null) {
        return Supervisor.start(vertx, hostedTree, new StartOptions().setContext(context)).onSuccess(ref -> started = ref);
      }
      return GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()).onSuccess(ref -> started = ref);
    }
  }

  @Test
  void serverStartedByAVerticleOutlivesThatVerticle(Vertx vertx) {
    Starter starter = new Starter(null);
    Await.result(vertx.undeploy(Await.result(vertx.deployVerticle(starter))));
    assertTrue(Await.result(GenServer.call(vertx, starter.started, new Recorder.WhereAmI())) != null);
    assertEquals(1, GenServer.stats(vertx).servers());
  }

  @Test
  void serverStartedByAnotherServerOutlivesIt(Vertx vertx) {
    ServerRef parent = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()));
    ServerRef child = Await.result(GenServer.call(vertx, parent, new Recorder.Spawn(new LinkedBlockingQueue<>())));
    Await.result(GenServer.stop(vertx, parent));
    assertTrue(Await.result(GenServer.call(vertx, child, new Recorder.WhereAmI())) != null);
    assertEquals(1, GenServer.stats(vertx).servers());
  }

  @Test
  void closingVertxStopsASupervisionTreeInReverseOrderWithNoRestartAndNoReport() {
    Vertx vertx = Vertx.vertx(TestVertx.options());
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"), kid("b"), kid("c"))));
    Await.callFailure(GenServer.call(vertx, ServerName.of("b"), "crash"), CallFailure.SERVER_EXITED);
    Await.until(() -> log.stream().filter("start:b"::equals).count() == 2, "b restarted");
    Await.result(vertx.close());
    List<String> all = new ArrayList<>(log);
    assertEquals(List.of("stop:c:shutdown", "stop:b:shutdown", "stop:a:shutdown"), all.subList(all.size() - 3, all.size()));
    assertEquals(8, all.size(), "nothing restarted on close: " + all);
    assertEquals(1, TestLogs.reports().size(), "only b's crash is reported: " + TestLogs.reports());
  }

  @Test
  void undeployingTheVerticleThatHostsASupervisorStopsItsTreeInReverseOrder(Vertx vertx) {
    String host = Await.result(vertx.deployVerticle(new Starter(SupervisorSpec.oneForOne(kid("a"), kid("b"), kid("c")))));
    Await.result(vertx.undeploy(host));
    assertEquals(List.of("start:a", "start:b", "start:c", "stop:c:shutdown", "stop:b:shutdown", "stop:a:shutdown"),
        new ArrayList<>(log));
    Await.idle(vertx);
    assertEquals(List.of(), TestLogs.reports());
  }

  @Test
  void killingAServerWhoseInitNeverCompletesFailsItsStartAndTheCallersWaitingForIt(Vertx vertx) {
    GenServer<Void, Void> stuck = args -> asyncInit(Promise.<InitResult<Void>>promise().future());
    Future<ServerRef> starting = GenServer.start(vertx, stuck, null, new StartOptions().setName("stuck"));
    Future<Object> waiting = GenServer.call(vertx, ServerName.of("stuck"), "hello", Duration.ofSeconds(30));
    long start = System.nanoTime();
    Await.result(GenServer.kill(vertx, ServerName.of("stuck")));
    StartException failed = assertInstanceOf(StartException.class, Await.failure(starting));
    assertEquals(ExitReason.KILLED, failed.reason().orElseThrow());
    assertEquals(ExitReason.KILLED, Await.callFailure(waiting, CallFailure.SERVER_EXITED).reason().orElseThrow());
    assertTrue(Await.millisSince(start) < 5000, "the caller failed at once, not after its timeout");
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("stuck")));
    Await.idle(vertx);
  }

  /** Hosts a server with a short shutdown timeout on its context. */
  static final class ShortShutdownHost extends VerticleBase {
    ServerRef hosted;

    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(),
          new StartOptions().setContext(context).setShutdownTimeout(Duration.ofMillis(200))).onSuccess(ref -> hosted = ref);
    }
  }

  @Test
  void undeployingTheHostOfAServerStuckInAnAsyncCallbackKillsItAfterItsShutdownTimeout(Vertx vertx) {
    ShortShutdownHost host = new ShortShutdownHost();
    String id = Await.result(vertx.deployVerticle(host));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, host.hosted, downs::add);
    Future<Object> stuck = GenServer.call(vertx, host.hosted, new Recorder.Hold(Promise.promise()), GenServer.INFINITY);
    long start = System.nanoTime();
    Await.result(vertx.undeploy(id));
    long took = Await.millisSince(start);
    assertTrue(took >= 190 && took < 5000, "undeploy took " + took + " ms");
    assertEquals(ExitReason.KILLED, Await.next(downs).reason());
    assertEquals(ExitReason.KILLED, Await.callFailure(stuck, CallFailure.SERVER_EXITED).reason().orElseThrow());
  }

  @Test
  void closingVertxFinishesWhenAServerIsStuckInAnAsyncCallback() {
    Vertx vertx = Vertx.vertx(TestVertx.options());
    ServerRef ref = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(),
        new StartOptions().setShutdownTimeout(Duration.ofMillis(300))));
    GenServer.call(vertx, ref, new Recorder.Hold(Promise.promise()), GenServer.INFINITY);
    long start = System.nanoTime();
    Await.result(vertx.close());
    assertTrue(Await.millisSince(start) < 5000, "close took " + Await.millisSince(start) + " ms");
  }

  /** Continues straight from its init into a normal stop. */
  static final class Brief implements GenServer<Void, Void> {
    @Override
    public InitResult<Void> init(Void args) {
      return ok(null, Action.continueWith("stop"));
    }

    @Override
    public NoReplyResult<Void> handleContinue(Object continuation, Void state) {
      return stop(ExitReason.normal(), state);
    }
  }

  @Test
  void aServerThatStopsWithinItsOwnStartLeavesNoDeploymentBehind(Vertx vertx) {
    for (int i = 0; i < 20; i++) {
      Await.result(GenServer.start(vertx, new Brief(), null));
    }
    Await.until(() -> GenServer.stats(vertx).servers() == 0, "every server stopped");
    Await.until(() -> vertx.deploymentIDs().isEmpty(), "every deployment undeployed: " + vertx.deploymentIDs());
    Await.idle(vertx);
  }

  @Test
  void closingVertxFinishesWhileASupervisorWaitsForAChildWhoseInitNeverEnds() {
    Vertx vertx = Vertx.vertx(TestVertx.options());
    GenServer<Void, Void> stuck = args -> asyncInit(Promise.<InitResult<Void>>promise().future());
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.dynamic(ChildSpec.dynamicWorker("stuck", () -> stuck))));
    Future<ServerRef> starting = Supervisor.startDynamicChild(vertx, sup, null);
    Await.until(() -> GenServer.stats(vertx).servers() == 2, "the child is starting");
    long start = System.nanoTime();
    Await.result(vertx.close());
    assertTrue(Await.millisSince(start) < 5000, "close took " + Await.millisSince(start) + " ms");
    assertTrue(starting.failed(), "the child never started");
  }

  @Test
  void closingVertxFinishesWhenANestedSupervisorWaitsForAChildWhoseInitNeverEnds() {
    Vertx vertx = Vertx.vertx(TestVertx.options());
    GenServer<Void, Void> stuck = args -> asyncInit(Promise.<InitResult<Void>>promise().future());
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.supervisor("sub", SupervisorSpec.dynamic(ChildSpec.dynamicWorker("stuck", () -> stuck))).withName("sub"))));
    Future<ServerRef> starting = Supervisor.startDynamicChild(vertx, ServerName.of("sub"), null);
    Await.until(() -> GenServer.stats(vertx).servers() == 3, "the grandchild is starting");
    long start = System.nanoTime();
    Await.result(vertx.close());
    assertTrue(Await.millisSince(start) < 5000, "close took " + Await.millisSince(start) + " ms");
    assertTrue(starting.failed(), "the grandchild never started");
    assertEquals(List.of(), TestLogs.reports(), "an orderly close reports nothing");
  }

  @Test
  void closingVertxWhileASupervisorIsStillStartingItsChildrenReportsNothing() {
    Vertx vertx = Vertx.vertx(TestVertx.options());
    GenServer<Void, Void> stuck = args -> asyncInit(Promise.<InitResult<Void>>promise().future());
    Future<ServerRef> starting = Supervisor.start(vertx, SupervisorSpec.oneForOne(ChildSpec.worker("stuck", () -> stuck, null)));
    Await.until(() -> GenServer.stats(vertx).servers() == 2, "its child is starting");
    Await.result(vertx.close());
    assertTrue(starting.failed());
    assertEquals(List.of(), TestLogs.reports(), "an orderly close reports nothing");
  }
}
