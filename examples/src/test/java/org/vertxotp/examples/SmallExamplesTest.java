package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.genserver.time.ManualClock;

@ExtendWith(TestVertx.class)
class SmallExamplesTest {

  @Test
  void aSessionStaysWhileVisitedAndEndsNormallyOnceIdle(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef session = Await.result(GenServer.start(vertx, new Session(), Duration.ofSeconds(30), new StartOptions()));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, session, downs::add);
    assertEquals(1, (int) Await.result(GenServer.call(vertx, session, "/home")));
    clock.advance(Duration.ofSeconds(29));
    assertEquals(2, (int) Await.result(GenServer.call(vertx, session, "/inbox")));
    clock.advance(Duration.ofSeconds(29)); // 58 s since start, 29 since the last visit: still there
    Await.nothingFor(downs, 50);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(ExitReason.normal(), Await.next(downs).reason());
  }

  @Test
  void aClientOverItsLimitIsRefusedUntilItsWindowEndsAndOthersAreNotHeldBack(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef limiter = Await.result(GenServer.start(vertx, new RateLimiter(),
        new RateLimiter.Limits(2, Duration.ofMinutes(1)), new StartOptions()));
    List<Boolean> ann = List.of(call(vertx, limiter, "ann"), call(vertx, limiter, "ann"), call(vertx, limiter, "ann"));
    assertEquals(List.of(true, true, false), ann);
    assertTrue(call(vertx, limiter, "bob"), "another client has a window of its own");
    clock.advance(Duration.ofSeconds(59));
    assertEquals(false, call(vertx, limiter, "ann"));
    clock.advance(Duration.ofSeconds(1)); // ann's window, begun with her first request, ends
    assertEquals(true, call(vertx, limiter, "ann"));
  }

  private static boolean call(Vertx vertx, ServerRef limiter, String client) {
    return Await.result(GenServer.<Boolean>call(vertx, limiter, new RateLimiter.Request(client)));
  }

  @Test
  void aFollowUpWhoseTargetDisappearedEndsDroppedAndIsNotFiredAgain(Vertx vertx) throws Exception {
    TestLogs.allow("org.vertxotp.delivery");
    DeliveryStats stats = VanishingFollowUp.run(vertx);
    assertEquals(1, stats.dropped());
    assertEquals(0, stats.delivered());
    assertEquals(0, stats.pending());
    assertEquals(0, stats.retried(), "a target that is gone is not busy: not retried");
  }
}
