package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.Timers;

/** Nothing of a call, monitor or timer outlives its owner: {@link NodeStats} returns to zero. */
@ExtendWith(TestVertx.class)
class LeakTest {

  /** Calls a server without timeout, or monitors it with a handler, when it starts; never hears back. */
  static final class Waiter extends VerticleBase {
    private final ServerRef target;
    private final boolean monitor;

    Waiter(ServerRef target, boolean monitor) {
      this.target = target;
      this.monitor = monitor;
    }

    @Override
    public Future<?> start() {
      if (monitor) {
        Monitors.monitor(vertx, target, down -> { });
      } else {
        GenServer.call(vertx, target, new Recorder.Hold(Promise.promise()), GenServer.INFINITY);
      }
      return Future.succeededFuture();
    }
  }

  @Test
  void aCallWithoutTimeoutFromAVerticleThatIsUndeployedLeavesNothingBehind(Vertx vertx) {
    ServerRef target = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()));
    String waiter = Await.result(vertx.deployVerticle(new Waiter(target, false)));
    assertEquals(1, GenServer.stats(vertx).pendingCalls());
    Await.result(vertx.undeploy(waiter));
    assertEquals(0, GenServer.stats(vertx).pendingCalls());
    Await.result(GenServer.kill(vertx, target));
    Await.idle(vertx);
  }

  @Test
  void aMonitorHandlerFromAVerticleThatIsUndeployedIsRemoved(Vertx vertx) {
    ServerRef target = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()));
    String waiter = Await.result(vertx.deployVerticle(new Waiter(target, true)));
    assertEquals(1, GenServer.stats(vertx).monitors());
    Await.result(vertx.undeploy(waiter));
    assertEquals(0, GenServer.stats(vertx).monitors());
  }

  @Test
  void aTimerToAServerThatIsGoneOrWasNeverHereIsReleasedAtOnce(Vertx vertx) {
    ServerRef gone = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()));
    Await.result(GenServer.stop(vertx, gone));
    ServerRef inside = Await.result(GenServer.start(vertx, new Ticker(vertx), new LinkedBlockingQueue<>()));
    TimerRef fromOutside = Timers.sendAfter(vertx, Duration.ofHours(1), gone, "x");
    TimerRef fromInside = Await.result(GenServer.call(vertx, inside, new Ticker.Arm(true, 3_600_000, gone, "y")));
    TimerRef neverHere = Timers.sendAfter(vertx, Duration.ofHours(1), new ServerRef("elsewhere", 1), "z");
    for (TimerRef timer : new TimerRef[] {fromOutside, fromInside, neverHere}) {
      assertEquals(OptionalLong.empty(), Timers.readTimer(timer));
      assertEquals(OptionalLong.empty(), Timers.cancelTimer(timer));
    }
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
  }

  /** Starts a child from its init, arms timers of every kind, and monitors the child. */
  static final class Parent implements GenServer<Vertx, ServerRef> {
    @Override
    public InitResult<ServerRef> init(Vertx vertx) {
      ServerRef self = GenServer.self();
      Timers.sendAfter(vertx, Duration.ofHours(1), self, "later");
      Timers.startSingleTimer("k", "keyed", Duration.ofHours(2));
      return asyncInit(GenServer.start(vertx, new Child(vertx), self).map(child -> {
        Monitors.monitor(vertx, child);
        return ok(child, Duration.ofHours(3));
      }));
    }

    @Override
    public CallResult<ServerRef> handleCall(Object request, From from, ServerRef child) {
      return reply(child, child);
    }
  }

  /** Monitors its parent and stops when the parent does, as a linked worker would. */
  static final class Child implements GenServer<ServerRef, Void> {
    private final Vertx vertx;

    Child(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<Void> init(ServerRef parent) {
      Monitors.monitor(vertx, parent);
      Timers.startTimer(vertx, Duration.ofHours(1), GenServer.self(), "tick");
      Timers.sendAfter(vertx, Duration.ofHours(1), parent, "to the parent");
      return ok(null);
    }

    @Override
    public NoReplyResult<Void> handleInfo(Object message, Void state) {
      return message instanceof Down ? stop(ExitReason.normal(), state) : noreply(state);
    }
  }

  @Test
  void tenThousandCyclesOfServersStartedInsideServersThatArmTimersAndMonitorEachOtherLeaveNothing(Vertx vertx) {
    for (int i = 0; i < 10_000; i++) {
      ServerRef parent = Await.result(GenServer.start(vertx, new Parent(), vertx));
      ServerRef child = Await.result(GenServer.call(vertx, parent, "child"));
      Promise<Void> childDown = Promise.promise();
      Monitors.monitor(vertx, child, down -> childDown.complete());
      if (i == 0) {
        assertEquals(new NodeStats(2, 0, 0, 4, 3, 0), GenServer.stats(vertx)); // the parent's result timeout ended with the call
      }
      Await.result(GenServer.stop(vertx, parent));
      Await.result(childDown.future());
    }
    Await.idle(vertx);
  }
}
