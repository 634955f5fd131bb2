package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestVertx.class)
class MonitorTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  /** Monitors on request and records every Down (and every other info) it receives. */
  final class Watcher implements GenServer<Void, Void> {
    private final Vertx vertx;

    Watcher(Vertx vertx) {
      this.vertx = vertx;
    }

    record Watch(Destination target) {}

    record Unwatch(MonitorRef ref, boolean flush) {}

    record Hold(Promise<Void> until) {}

    /** Replies at once: a round trip that everything already queued for the watcher precedes. */
    record Sync() {}

    @Override
    public InitResult<Void> init(Void args) {
      return ok(null);
    }

    @Override
    public CallResult<Void> handleCall(Object request, From from, Void s) {
      if (request instanceof Watch w) {
        return reply(Monitors.monitor(vertx, w.target()), s);
      } else if (request instanceof Unwatch u) {
        return reply(Monitors.demonitor(u.ref(), u.flush()), s);
      } else if (request instanceof Sync) {
        return reply("synced", s);
      } else if (request instanceof Hold h) {
        return async(h.until().future().map(v -> reply("held", s)));
      }
      return reject("unknown", s);
    }

    @Override
    public NoReplyResult<Void> handleInfo(Object message, Void s) {
      events.add(message);
      return noreply(s);
    }
  }

  private ServerRef probe(Vertx vertx) {
    return Await.result(GenServer.start(vertx, new Probe(vertx), new LinkedBlockingQueue<>()));
  }

  private ServerRef watcher(Vertx vertx) {
    return Await.result(GenServer.start(vertx, new Watcher(vertx), null));
  }

  @Test
  void downArrivesWithTheCrashReason(Vertx vertx) {
    ServerRef target = probe(vertx);
    ServerRef watcher = watcher(vertx);
    MonitorRef ref = Await.result(GenServer.call(vertx, watcher, new Watcher.Watch(target)));
    Await.callFailure(GenServer.call(vertx, target, "boom"), CallFailure.SERVER_EXITED);
    Down down = assertInstanceOf(Down.class, Await.next(events));
    assertSame(ref, down.monitor());
    assertEquals(target, down.server());
    assertEquals("boom", assertInstanceOf(ExitReason.Crash.class, down.reason()).cause().getMessage());
  }

  @Test
  void downNoprocArrivesAtOnceForATargetAlreadyGone(Vertx vertx) {
    ServerRef target = probe(vertx);
    Await.result(GenServer.stop(vertx, target));
    ServerRef watcher = watcher(vertx);
    Await.result(GenServer.call(vertx, watcher, new Watcher.Watch(target)));
    Down down = assertInstanceOf(Down.class, Await.next(events));
    assertEquals(ExitReason.NOPROC, down.reason());
    Await.result(GenServer.call(vertx, watcher, new Watcher.Watch(ServerName.of("nobody"))));
    Down byName = assertInstanceOf(Down.class, Await.next(events));
    assertEquals(new Down(byName.monitor(), ServerName.of("nobody"), ExitReason.NOPROC), byName);
  }

  @Test
  void demonitorStopsTheMonitor(Vertx vertx) {
    ServerRef target = probe(vertx);
    ServerRef watcher = watcher(vertx);
    MonitorRef ref = Await.result(GenServer.call(vertx, watcher, new Watcher.Watch(target)));
    assertEquals(true, Await.result(GenServer.call(vertx, watcher, new Watcher.Unwatch(ref, false))));
    Await.result(GenServer.stop(vertx, target)); // had the monitor fired, its Down would be queued now
    Await.result(GenServer.call(vertx, watcher, new Watcher.Sync()));
    assertNull(events.poll(), "a demonitored monitor delivered Down");
  }

  @Test
  void demonitorWithFlushDropsADownAlreadyQueued(Vertx vertx) {
    ServerRef target = probe(vertx);
    ServerRef watcher = watcher(vertx);
    MonitorRef ref = Await.result(GenServer.call(vertx, watcher, new Watcher.Watch(target)));
    Promise<Void> release = Promise.promise();
    Future<Object> held = GenServer.call(vertx, watcher, new Watcher.Hold(release));
    Future<Boolean> unwatched = GenServer.call(vertx, watcher, new Watcher.Unwatch(ref, true)); // queued
    Await.result(GenServer.stop(vertx, target)); // its Down queues behind the demonitor
    release.complete();
    Await.result(held);
    assertFalse(Await.result(unwatched), "the monitor had fired already");
    Await.result(GenServer.call(vertx, watcher, new Watcher.Sync())); // the queued Down came before this
    assertNull(events.poll(), "a flushed Down was delivered");
  }

  @Test
  void monitorFromOutsideAServerRunsItsHandler(Vertx vertx) {
    ServerRef target = probe(vertx);
    MonitorRef ref = Monitors.monitor(vertx, target, events::add);
    Await.result(GenServer.stop(vertx, target, ExitReason.of("bye"), GenServer.INFINITY));
    assertEquals(new Down(ref, target, ExitReason.of("bye")), Await.next(events));
    assertThrows(IllegalStateException.class, () -> Monitors.monitor(vertx, target));
  }

  @Test
  void serverKilledWhileItsInitIsPendingFailsItsStartAndNeverRunsTerminate(Vertx vertx) {
    BlockingQueue<Object> probeEvents = new LinkedBlockingQueue<>();
    Promise<Void> initDone = Promise.promise();
    GenServer<Void, Void> slowStarter = new GenServer<>() {
      @Override
      public InitResult<Void> init(Void args) {
        return asyncInit(initDone.future().map(v -> ok(null)));
      }

      @Override
      public void terminate(ExitReason reason, Void state) {
        probeEvents.add(reason);
      }
    };
    Context host = vertx.getOrCreateContext(); // the test's own: a barrier on it follows the late init's handling
    Future<ServerRef> starting = GenServer.start(vertx, slowStarter, null, new StartOptions().setName("slow").setContext(host));
    Future<Void> killed = GenServer.kill(vertx, ServerName.of("slow"));
    Await.result(killed);
    initDone.complete();
    StartException failed = assertInstanceOf(StartException.class, Await.failure(starting));
    assertEquals(ExitReason.KILLED, failed.reason().orElseThrow());
    Promise<Void> barrier = Promise.promise();
    host.runOnContext(v -> barrier.complete());
    Await.result(barrier.future());
    assertNull(probeEvents.poll(), "terminate ran");
    Await.idle(vertx);
  }

  @Test
  void killedServerSkipsTerminateAndItsMonitorsAndCallersSeeKilled(Vertx vertx) {
    BlockingQueue<Object> probeEvents = new LinkedBlockingQueue<>();
    ServerRef target = Await.result(GenServer.start(vertx, new Probe(vertx), probeEvents));
    Monitors.monitor(vertx, target, events::add);
    Future<Object> stuck = GenServer.call(vertx, target, "slow:60000", Duration.ofMinutes(2));
    Await.result(GenServer.kill(vertx, target));
    assertEquals(ExitReason.KILLED, ((Down) Await.next(events)).reason());
    assertEquals(ExitReason.KILLED, Await.callFailure(stuck, CallFailure.SERVER_EXITED).reason().orElseThrow());
    assertNull(probeEvents.poll(), "terminate ran"); // it would have run before the Down
    Await.idle(vertx);
    assertTrue(vertx.deploymentIDs().isEmpty());
  }

  @Test
  void demonitorWithFlushDropsAHandlersDownAlreadyOnItsWay(Vertx vertx) throws Exception {
    // The test holds the handler's event loop busy, so it needs another loop for everything else.
    assumeFalse("1".equals(System.getProperty(TestVertx.LOOPS)), "needs more than one event loop");
    ServerRef target = Await.result(GenServer.start(vertx, new Probe(vertx), new LinkedBlockingQueue<>()));
    Context handlerContext = vertx.getOrCreateContext();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    MonitorRef[] monitor = new MonitorRef[1];
    handlerContext.runOnContext(v -> monitor[0] = Monitors.monitor(vertx, target, events::add));
    handlerContext.runOnContext(v -> {
      holding.countDown();
      try {
        release.await(10, TimeUnit.SECONDS); // the handler's context is busy: its Down waits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(holding.await(10, TimeUnit.SECONDS));
    Await.result(GenServer.kill(vertx, target)); // the Down is on its way to the busy context
    assertFalse(Monitors.demonitor(monitor[0], true), "it had fired");
    release.countDown();
    CountDownLatch drained = new CountDownLatch(1);
    handlerContext.runOnContext(v -> drained.countDown());
    assertTrue(drained.await(10, TimeUnit.SECONDS));
    assertNull(events.poll(), "a flushed Down reached its handler");
  }
}
