package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.time.ManualClock;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.Timers;

/**
 * Timers on a {@link ManualClock}: deterministic. {@code advance} returns after the callbacks
 * of the timers it fired ran, so these tests read results without waiting.
 */
@ExtendWith(TestVertx.class)
class ManualClockTimerTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private ManualClock clock;

  @BeforeEach
  void installClock(Vertx vertx) {
    clock = ManualClock.install(vertx);
  }

  private ServerRef ticker(Vertx vertx) {
    return Await.result(GenServer.start(vertx, new Ticker(vertx), events));
  }

  private TimerRef arm(Vertx vertx, ServerRef ref, long millis, Object message) {
    return Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(millis, message)));
  }

  /** What arrived so far, without waiting: advance already ran the callbacks. */
  private List<Object> arrived() {
    List<Object> got = new ArrayList<>();
    Object e;
    while ((e = events.poll()) != null) {
      got.add(((Ticker.Got) e).message());
    }
    return got;
  }

  @Test
  void advancingFiresExactlyTheDueTimersInDeadlineOrderTiesInArmingOrder(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    arm(vertx, ref, 30, "30");
    arm(vertx, ref, 10, "10 first");
    arm(vertx, ref, 20, "20");
    arm(vertx, ref, 10, "10 second");
    arm(vertx, ref, 40, "40");

    clock.advance(Duration.ofMillis(9));
    assertEquals(List.of(), arrived());
    clock.advance(Duration.ofMillis(16)); // now 25
    assertEquals(List.of("10 first", "10 second", "20"), arrived());
    clock.advance(Duration.ofMillis(5)); // now 30
    assertEquals(List.of("30"), arrived());
    clock.advance(Duration.ofHours(1));
    assertEquals(List.of("40"), arrived());
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
  }

  @Test
  void timerArmedMidMillisecondFiresOnlyOnceItsWholeDelayPassed(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    clock.advance(Duration.ofNanos(990_000)); // 0.99 ms
    TimerRef timer = arm(vertx, ref, 50, "due at 50.99 ms");
    clock.advance(Duration.ofMillis(49).plusNanos(500_000)); // 50.49 ms: 49.5 ms after arming
    assertEquals(List.of(), arrived());
    assertEquals(OptionalLong.of(0), Timers.readTimer(timer), "less than a whole millisecond left");
    clock.advance(Duration.ofNanos(499_999)); // one nanosecond short
    assertEquals(List.of(), arrived());
    clock.advance(Duration.ofNanos(1));
    assertEquals(List.of("due at 50.99 ms"), arrived());
  }

  @Test
  void sixHourTimerFiresAfterSixHoursOfVirtualTime(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    arm(vertx, ref, Duration.ofHours(6).toMillis(), "retry");
    clock.advance(Duration.ofHours(6).minusMillis(1));
    assertEquals(List.of(), arrived());
    clock.advance(Duration.ofMillis(1));
    assertEquals(List.of("retry"), arrived());
  }

  @Test
  void cancelTimerReturnsTheRemainingTimeAndTheMessageNeverArrives(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    TimerRef late = arm(vertx, ref, 1000, "late");
    clock.advance(Duration.ofMillis(400));
    assertEquals(OptionalLong.of(600), Timers.cancelTimer(late));
    clock.advance(Duration.ofHours(1)); // far past the deadline it had
    assertEquals(List.of(), arrived());
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
  }

  @Test
  void readTimerDecreasesAsTheClockAdvancesAndCancelAfterExpiryIsFalse(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    TimerRef timer = arm(vertx, ref, 1000, "x");
    assertEquals(OptionalLong.of(1000), Timers.readTimer(timer));
    clock.advance(Duration.ofMillis(400));
    assertEquals(OptionalLong.of(600), Timers.readTimer(timer));
    clock.advance(Duration.ofMillis(599));
    assertEquals(OptionalLong.of(1), Timers.readTimer(timer));
    clock.advance(Duration.ofMillis(1));
    assertEquals(List.of("x"), arrived());
    assertEquals(OptionalLong.empty(), Timers.readTimer(timer));
    assertEquals(OptionalLong.empty(), Timers.cancelTimer(timer));
  }

  @Test
  void keyedTimerReplacedWhileItsFiringIsQueuedIsNeverHandled(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    Await.result(GenServer.call(vertx, ref, new Ticker.Keyed("k", "old", 10)));
    Promise<Void> release = Promise.promise();
    Future<Object> held = GenServer.call(vertx, ref, new Ticker.Hold(release));
    Future<Object> replaced = GenServer.call(vertx, ref, new Ticker.Keyed("k", "new", 10)); // queued
    clock.advance(Duration.ofMillis(10)); // "old" fires into the mailbox, behind the replacement
    release.complete();
    Await.result(held);
    Await.result(replaced);
    assertEquals(true, Await.result(GenServer.call(vertx, ref, new Ticker.IsActive("k"))));
    assertEquals(List.of(), arrived(), "the replaced timer's queued message must be dropped");
    clock.advance(Duration.ofMillis(10));
    assertEquals(List.of("new"), arrived());
    assertEquals(false, Await.result(GenServer.call(vertx, ref, new Ticker.IsActive("k"))));
  }

  @Test
  void keyedTimerCancelledWhileItsFiringIsQueuedIsNeverHandled(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    Await.result(GenServer.call(vertx, ref, new Ticker.Keyed("k", "old", 10)));
    Promise<Void> release = Promise.promise();
    Future<Object> held = GenServer.call(vertx, ref, new Ticker.Hold(release));
    Future<Boolean> cancelled = GenServer.call(vertx, ref, new Ticker.CancelKey("k"));
    clock.advance(Duration.ofMillis(10));
    release.complete();
    Await.result(held);
    assertEquals(true, Await.result(cancelled));
    assertEquals(false, Await.result(GenServer.call(vertx, ref, new Ticker.IsActive("k"))));
    clock.advance(Duration.ofHours(1));
    assertEquals(List.of(), arrived());
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
  }

  @Test
  void serverThatCrashesWithAThousandPendingTimersLeavesNonePending(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    ServerRef other = Await.result(GenServer.start(vertx, new Ticker(vertx), new LinkedBlockingQueue<>(),
        new StartOptions().setName("other")));
    for (int i = 0; i < 1000; i++) {
      Object request;
      switch (i % 5) {
        case 0: request = Ticker.Arm.self(1000 + i, i); break;
        case 1: request = new Ticker.Arm(true, 1000 + i, null, i); break;
        case 2: request = new Ticker.Keyed(i, i, 1000 + i); break;
        case 3: request = new Ticker.Arm(false, 1000 + i, ServerName.of("other"), i); break;
        default: request = new Ticker.Arm(false, 1000 + i, other, i); break;
      }
      Await.result(GenServer.call(vertx, ref, request));
    }
    assertEquals(1000, GenServer.stats(vertx).pendingTimers());
    Await.callFailure(GenServer.call(vertx, ref, new Ticker.Crash()), CallFailure.SERVER_EXITED);
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
    assertEquals(0, clock.scheduled(), "no clock task may stay behind");
    clock.advance(Duration.ofHours(1));
    assertEquals(List.of(), arrived());
  }

  @Test
  void timerToAnotherServerDiesWithThatServer(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    ServerRef other = Await.result(GenServer.start(vertx, new Ticker(vertx), new LinkedBlockingQueue<>()));
    TimerRef toOther = Await.result(GenServer.call(vertx, ref, new Ticker.Arm(false, 1000, other, "x")));
    TimerRef fromOutside = Timers.sendAfter(vertx, Duration.ofSeconds(1), other, "y");
    assertTrue(Timers.readTimer(toOther).isPresent());
    assertTrue(Timers.readTimer(fromOutside).isPresent());
    Await.result(GenServer.stop(vertx, other));
    assertEquals(OptionalLong.empty(), Timers.readTimer(toOther));
    assertEquals(OptionalLong.empty(), Timers.readTimer(fromOutside));
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
    assertEquals(OptionalLong.empty(), Timers.readTimer(
        Timers.sendAfter(vertx, Duration.ofSeconds(1), other, "to a stopped server")));
  }

  /** Arms timers of every kind in init, including a result timeout. */
  static final class Armer implements GenServer<Void, Void> {
    private final Vertx vertx;

    Armer(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<Void> init(Void args) {
      Timers.sendAfter(vertx, Duration.ofMinutes(1), GenServer.self(), "a");
      Timers.startSingleTimer("k", "b", Duration.ofMinutes(2));
      return ok(null, Duration.ofMinutes(3));
    }
  }

  @Test
  void tenThousandStartStopCyclesOfAServerThatArmsTimersLeaveNonePending(Vertx vertx) {
    for (int i = 0; i < 10_000; i++) {
      ServerRef ref = Await.result(GenServer.start(vertx, new Armer(vertx), null));
      if (i == 0) {
        assertEquals(3, GenServer.stats(vertx).pendingTimers());
      }
      Await.result(GenServer.stop(vertx, ref));
    }
    Await.idle(vertx);
    assertEquals(0, clock.scheduled());
  }

  @Test
  void manualClockCannotBeInstalledOnceServersRun(Vertx vertx) {
    ticker(vertx);
    assertThrows(IllegalStateException.class, () -> ManualClock.install(vertx));
  }

  @Test
  void keyedTimersOutsideAServerAreAClearError() {
    assertThrows(IllegalStateException.class, () -> Timers.startSingleTimer("k", "m", Duration.ofSeconds(1)));
    assertThrows(IllegalStateException.class, () -> Timers.isActive("k"));
  }

  @Test
  void resultTimeoutRunsOnTheManualClockToo(Vertx vertx) {
    GenServer<Void, Void> idle = new GenServer<>() {
      @Override
      public InitResult<Void> init(Void args) {
        return ok(null, Duration.ofHours(2));
      }

      @Override
      public NoReplyResult<Void> handleInfo(Object message, Void state) {
        events.add(new Ticker.Got(message, 0));
        return noreply(state);
      }
    };
    Await.result(GenServer.start(vertx, idle, null));
    clock.advance(Duration.ofMinutes(119));
    assertEquals(List.of(), arrived());
    clock.advance(Duration.ofMinutes(1));
    assertEquals(List.of(Timeout.INSTANCE), arrived());
  }

  @Test
  void thePublicClockIsTheManualClockForPureCodeToo(Vertx vertx) {
    Clock clock = Clock.of(vertx);
    long nanos = clock.nanoTime();
    long millis = clock.currentTimeMillis();
    this.clock.advance(Duration.ofHours(6).plusNanos(5));
    assertEquals(Duration.ofHours(6).plusNanos(5).toNanos(), clock.nanoTime() - nanos);
    assertEquals(Duration.ofHours(6).toMillis(), clock.currentTimeMillis() - millis);
  }

  @Test
  void threeHundredTimersArmedFromTheTestThreadAreAllHandledWhenAdvanceReturns(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Timers.sendAfter(vertx, Duration.ofMillis(300 - i), ref, 300 - i); // not awaited: sendAfter returned, that is all
      expected.add(0, 300 - i);
    }
    clock.advance(Duration.ofMillis(300));
    assertEquals(expected, arrived(), "every timer handled, in deadline order");
  }

  @Test
  void resultTimeoutsArmedByCallsThatJustReturnedAndCastsJustSentAreHandledWhenAdvanceReturns(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Idler(), events));
    for (int i = 0; i < 300; i++) {
      Await.result(GenServer.call(vertx, ref, "idle for 50 ms"));
      clock.advance(Duration.ofMillis(50));
      assertEquals(List.of(Timeout.INSTANCE), arrived(), "round " + i);
      GenServer.cast(vertx, ref, "cast " + i);
      clock.advance(Duration.ZERO);
      assertEquals(List.of("cast " + i), arrived(), "round " + i);
    }
  }

  @Test
  void aWakeUpReArmedWhileAdvanceRunsKeepsTheDeadlineItsTimerWasArmedWith(Vertx vertx) {
    ServerRef ref = ticker(vertx);
    arm(vertx, ref, 10, "at 10");
    arm(vertx, ref, 26, "at 26");
    clock.advance(Duration.ofMillis(10).plusNanos(700_000)); // fire the first mid-millisecond; the wake-up re-arms
    assertEquals(List.of("at 10"), arrived());
    clock.advance(Duration.ofMillis(15).plusNanos(299_999)); // one nanosecond before 26 ms
    assertEquals(List.of(), arrived());
    clock.advance(Duration.ofNanos(1));
    assertEquals(List.of("at 26"), arrived());
  }

  /** Replies at once and idles with a result timeout; records casts and infos. */
  static final class Idler implements GenServer<BlockingQueue<Object>, BlockingQueue<Object>> {
    @Override
    public InitResult<BlockingQueue<Object>> init(BlockingQueue<Object> events) {
      return ok(events);
    }

    @Override
    public CallResult<BlockingQueue<Object>> handleCall(Object request, From from, BlockingQueue<Object> events) {
      return reply("idling", events, Duration.ofMillis(50));
    }

    @Override
    public NoReplyResult<BlockingQueue<Object>> handleCast(Object message, BlockingQueue<Object> events) {
      events.add(new Ticker.Got(message, 0));
      return noreply(events);
    }

    @Override
    public NoReplyResult<BlockingQueue<Object>> handleInfo(Object message, BlockingQueue<Object> events) {
      events.add(new Ticker.Got(message, 0));
      return noreply(events);
    }
  }

  /** Stops when its timer fires. */
  static final class Fuse implements GenServer<Vertx, Void> {
    @Override
    public InitResult<Void> init(Vertx vertx) {
      Timers.sendAfter(vertx, Duration.ofMinutes(10), GenServer.self(), "burn");
      return ok(null);
    }

    @Override
    public NoReplyResult<Void> handleInfo(Object message, Void state) {
      return stop(ExitReason.normal(), state);
    }
  }

  @Test
  void whenAdvanceReturnsAServerItsTimersStoppedIsGoneAndItsMonitorsWereTold(Vertx vertx) {
    ServerRef fuse = Await.result(GenServer.start(vertx, new Fuse(), vertx));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, fuse, downs::add);
    clock.advance(Duration.ofMinutes(10));
    assertEquals(ExitReason.normal(), downs.poll().reason(), "told before advance returned");
    Await.idle(vertx);
  }
}
