package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestVertx.class)
class LifecycleTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  /** init does what its argument says. */
  static final class Starter implements GenServer<String, String> {
    @Override
    public InitResult<String> init(String how) {
      switch (how) {
        case "stop":
          return stop(ExitReason.of("no config"));
        case "ignore":
          return ignore();
        case "throw":
          throw new IllegalArgumentException("bad args");
        case "null":
          return null;
        default:
          return ok(how);
      }
    }
  }

  @Test
  void crashInHandleCallFailsEveryPendingCallerAtOnceWithTheExceptionAndFreesTheName(Vertx vertx) {
    ServerRef probe = Await.result(GenServer.start(vertx, new Probe(vertx), events, new StartOptions().setName("probe")));
    Duration patient = Duration.ofSeconds(10);
    Future<Object> deferred = GenServer.call(vertx, probe, "defer", patient);
    // The async callback holds the mailbox, so "boom" and the call after it are surely queued.
    Future<Object> holding = GenServer.call(vertx, probe, "slow:300", patient);
    Future<Object> crashing = GenServer.call(vertx, probe, "boom", patient);
    Future<Object> queued = GenServer.call(vertx, probe, "echo:never", patient);
    assertEquals("slept", Await.result(holding));
    long start = System.nanoTime();

    CallException crash = Await.callFailure(crashing, CallFailure.SERVER_EXITED);
    ExitReason.Crash reason = assertInstanceOf(ExitReason.Crash.class, crash.reason().orElseThrow());
    assertEquals("boom", reason.cause().getMessage());
    CallException second = Await.callFailure(deferred, CallFailure.SERVER_EXITED);
    assertSame(reason.cause(), ((ExitReason.Crash) second.reason().orElseThrow()).cause());
    Await.callFailure(queued, CallFailure.SERVER_EXITED);
    assertTrue(Await.millisSince(start) < 2000, "callers must fail at once, not after their timeout");

    assertEquals("handled slow:300", Await.next(events));
    ExitReason terminated = (ExitReason) Await.next(events);
    assertSame(reason.cause(), ((ExitReason.Crash) terminated).cause(), "terminate ran with the crash");
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("probe")));
    Await.result(GenServer.start(vertx, new Probe(vertx), events, new StartOptions().setName("probe")));
  }

  @Test
  void callsByNameWhileTheServerIsStartingWaitAndAreAnswered(Vertx vertx) throws Exception {
    // start() claims the name at once; the consumer is registered later, on the server's context.
    // The test holds that context busy, so messages surely arrive before the consumer exists.
    Context loop = vertx.getOrCreateContext();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.runOnContext(v -> {
      holding.countDown();
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(holding.await(5, TimeUnit.SECONDS));
    Future<ServerRef> starting = GenServer.start(vertx, new Probe(vertx), events,
        new StartOptions().setName("probe").setContext(loop));
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("probe")).isPresent(), "the name is claimed before start completes");
    Future<String> early = GenServer.call(vertx, ServerName.of("probe"), "echo:early", Duration.ofSeconds(2));
    GenServer.cast(vertx, ServerName.of("probe"), "release:nobody");
    Future<String> later = GenServer.call(vertx, ServerName.of("probe"), "echo:later", Duration.ofSeconds(2));
    release.countDown();
    assertEquals("early", Await.result(early));
    assertEquals("later", Await.result(later));
    assertEquals("released", Await.next(events));
    Await.result(starting);
  }

  @Test
  void stopWithReplyAnswersTheCallerAfterTerminateRan(Vertx vertx) {
    ServerRef probe = Await.result(GenServer.start(vertx, new Probe(vertx), events, new StartOptions().setName("probe")));
    Future<String> bye = GenServer.<String>call(vertx, probe, "stop:bye").map(reply -> {
      // Observed at the moment the reply arrives: terminate already ran and the name is free.
      assertEquals(ExitReason.normal(), events.poll());
      assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("probe")));
      return reply;
    });
    assertEquals("bye", Await.result(bye));
    assertEquals(0, GenServer.stats(vertx).servers());
  }

  @Test
  void initStopFailsTheStartWithTheReasonAndLeavesTheNameFree(Vertx vertx) {
    StartException e = assertInstanceOf(StartException.class,
        Await.failure(GenServer.start(vertx, new Starter(), "stop", new StartOptions().setName("svc"))));
    assertEquals(StartFailure.INIT_STOPPED, e.failure());
    assertEquals(ExitReason.of("no config"), e.reason().orElseThrow());
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("svc")));
    Await.result(GenServer.start(vertx, new Starter(), "fine", new StartOptions().setName("svc")));
  }

  @Test
  void initThatThrowsOrReturnsNullFailsTheStartWithACrash(Vertx vertx) {
    StartException thrown = assertInstanceOf(StartException.class,
        Await.failure(GenServer.start(vertx, new Starter(), "throw", new StartOptions().setName("svc"))));
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, thrown.reason().orElseThrow());
    assertEquals("bad args", crash.cause().getMessage());

    StartException nulled = assertInstanceOf(StartException.class,
        Await.failure(GenServer.start(vertx, new Starter(), "null", new StartOptions().setName("svc"))));
    BadReturnException bad = assertInstanceOf(BadReturnException.class,
        ((ExitReason.Crash) nulled.reason().orElseThrow()).cause());
    assertEquals("init", bad.callback());
    assertEquals(String.class.getName(), bad.messageClass());
    Await.idle(vertx);
  }

  @Test
  void initIgnoreFailsTheStartWithIgnoredAndStartsNothing(Vertx vertx) {
    StartException e = assertInstanceOf(StartException.class,
        Await.failure(GenServer.start(vertx, new Starter(), "ignore", new StartOptions().setName("svc"))));
    assertEquals(StartFailure.IGNORED, e.failure());
    Await.idle(vertx);
    assertEquals(Set.of(), vertx.deploymentIDs());
  }

  @Test
  void duplicateNameFailsWithAlreadyStartedNamingTheHolder(Vertx vertx) {
    ServerRef holder = Await.result(GenServer.start(vertx, new Starter(), "first", new StartOptions().setName("svc")));
    StartException e = assertInstanceOf(StartException.class,
        Await.failure(GenServer.start(vertx, new Starter(), "second", new StartOptions().setName("svc"))));
    assertEquals(StartFailure.ALREADY_STARTED, e.failure());
    assertEquals(holder, e.holder().orElseThrow());
    assertTrue(e.getMessage().contains(holder.toString()), e.getMessage());
    assertEquals(Optional.of(holder), GenServer.whereisLocal(vertx, ServerName.of("svc")));
  }

  @Test
  void undeployRunsTerminateWithShutdown(Vertx vertx) {
    Set<String> before = new HashSet<>(vertx.deploymentIDs());
    ServerRef probe = Await.result(GenServer.start(vertx, new Probe(vertx), events, new StartOptions().setName("probe")));
    Set<String> deployed = new HashSet<>(vertx.deploymentIDs());
    deployed.removeAll(before);
    assertEquals(1, deployed.size(), "a server is one verticle deployment");

    Future<Object> pending = GenServer.call(vertx, probe, "defer", Duration.ofSeconds(10));
    assertEquals("x", Await.result(GenServer.call(vertx, probe, "echo:x")));
    Await.result(vertx.undeploy(deployed.iterator().next()));
    assertEquals(ExitReason.shutdown(), Await.next(events));
    CallException e = Await.callFailure(pending, CallFailure.SERVER_EXITED);
    assertEquals(ExitReason.shutdown(), e.reason().orElseThrow());
    Await.idle(vertx);
  }

  @Test
  void stopFromOutsideRunsTerminateInMailboxOrderAndCompletesWhenDown(Vertx vertx) {
    ServerRef probe = Await.result(GenServer.start(vertx, new Probe(vertx), events));
    Future<Object> before = GenServer.call(vertx, probe, "echo:before");
    Await.result(GenServer.stop(vertx, probe, ExitReason.of("done"), Duration.ofSeconds(5)));
    assertEquals("before", Await.result(before));
    assertEquals(ExitReason.of("done"), Await.next(events));
    assertEquals(Set.of(), vertx.deploymentIDs(), "a server that stopped is undeployed");
    Await.callFailure(GenServer.stop(vertx, probe), CallFailure.NO_SERVER);
  }

  @Test
  void handleCastReturningNullStopsTheServerWithABadReturnNamingTheCallbackAndMessage(Vertx vertx) {
    GenServer<Void, String> broken = new GenServer<>() {
      @Override
      public InitResult<String> init(Void args) {
        return ok("s");
      }

      @Override
      public NoReplyResult<String> handleCast(Object message, String state) {
        return null;
      }

      @Override
      public void terminate(ExitReason reason, String state) {
        events.add(reason);
      }
    };
    ServerRef ref = Await.result(GenServer.start(vertx, broken, null));
    GenServer.cast(vertx, ref, 42);
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, Await.next(events));
    BadReturnException bad = assertInstanceOf(BadReturnException.class, crash.cause());
    assertEquals("handleCast", bad.callback());
    assertEquals(Integer.class.getName(), bad.messageClass());
  }
}
