package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.TimerTimeout;
import org.vertxotp.genserver.time.Timers;

/** Timers on the real Vert.x clock: few tests, generous bounds; they prove the wiring. */
@ExtendWith(TestVertx.class)
class TimerTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  private ServerRef ticker(Vertx vertx, String name) {
    return Await.result(GenServer.start(vertx, new Ticker(vertx), events, new StartOptions().setName(name)));
  }

  private Object nextMessage() {
    return ((Ticker.Got) Await.next(events)).message();
  }

  @Test
  void sendAfterToSelfArrivesNoEarlierThanTheDelayAndPromptly(Vertx vertx) {
    ServerRef ref = ticker(vertx, "t");
    for (int warmUp = 0; warmUp < 20; warmUp++) {
      Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(5, "warm")));
      assertEquals("warm", nextMessage());
    }
    long armedAt = System.nanoTime();
    TimerRef timer = Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(50, "hello")));
    assertTrue(timer != null);
    Ticker.Got hello = (Ticker.Got) Await.next(events);
    assertEquals("hello", hello.message());
    long millis = TimeUnit.NANOSECONDS.toMillis(hello.atNanos() - armedAt);
    assertTrue(millis >= 50 && millis <= 1000, "hello arrived after " + millis + " ms");
  }

  @Test
  void noTimerFiresBeforeItsDelayHasFullyPassed(Vertx vertx) {
    ServerRef ref = ticker(vertx, "t");
    int count = 500;
    Await.result(GenServer.call(vertx, ref, new Ticker.ArmMany(count, 25)));
    for (int i = 0; i < count; i++) {
      Ticker.Got got = (Ticker.Got) Await.next(events);
      Ticker.Due due = (Ticker.Due) got.message();
      long elapsedNanos = got.atNanos() - due.armedAtNanos();
      assertTrue(elapsedNanos >= TimeUnit.MILLISECONDS.toNanos(due.delayMillis()),
          "a " + due.delayMillis() + " ms timer fired after " + elapsedNanos / 1e6 + " ms");
    }
  }

  @Test
  void timersFireInDeadlineOrderNotArmingOrder(Vertx vertx) {
    ServerRef ref = ticker(vertx, "t");
    Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(80, "b")));
    Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(20, "a")));
    assertEquals("a", nextMessage());
    assertEquals("b", nextMessage());
  }

  @Test
  void cancelOrReadOfAFiredCancelledOrUnknownTimerIsFalse(Vertx vertx) {
    ServerRef ref = ticker(vertx, "t");
    TimerRef fired = Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(10, "x")));
    assertEquals("x", nextMessage());
    assertEquals(OptionalLong.empty(), Timers.cancelTimer(fired));
    assertEquals(OptionalLong.empty(), Timers.readTimer(fired));

    TimerRef cancelled = Await.result(GenServer.call(vertx, ref, Ticker.Arm.self(10_000, "y")));
    assertTrue(Timers.readTimer(cancelled).isPresent());
    assertTrue(Timers.cancelTimer(cancelled).isPresent());
    assertEquals(OptionalLong.empty(), Timers.cancelTimer(cancelled));
    assertEquals(OptionalLong.empty(), Timers.readTimer(cancelled));

    TimerRef unknown = new TimerRef() { };
    assertEquals(OptionalLong.empty(), Timers.cancelTimer(unknown));
    assertEquals(OptionalLong.empty(), Timers.readTimer(unknown));
  }

  @Test
  void sendAfterToANameIsResolvedWhenTheTimerFires(Vertx vertx) {
    ServerRef first = ticker(vertx, "target");
    Timers.sendAfter(vertx, Duration.ofMillis(30), ServerName.of("target"), "to first");
    assertEquals("to first", nextMessage());

    // Re-registered before expiry: the new holder gets it.
    Timers.sendAfter(vertx, Duration.ofMillis(2000), ServerName.of("target"), "to second");
    Await.result(GenServer.stop(vertx, first));
    BlockingQueue<Object> secondEvents = new LinkedBlockingQueue<>();
    Await.result(GenServer.start(vertx, new Ticker(vertx), secondEvents, new StartOptions().setName("target")));
    assertEquals("to second", ((Ticker.Got) Await.next(secondEvents)).message());

    // Unregistered at expiry: dropped, and nothing fails or stays pending.
    Timers.sendAfter(vertx, Duration.ofMillis(100), ServerName.of("nobody"), "lost");
    Await.until(() -> GenServer.stats(vertx).pendingTimers() == 0, "the timer to nobody fired and was released");
  }

  @Test
  void startTimerDeliversTimerTimeoutWithItsRef(Vertx vertx) {
    ServerRef ref = ticker(vertx, "t");
    TimerRef timer = Await.result(GenServer.call(vertx, ref, new Ticker.Arm(true, 10, null, "payload")));
    TimerTimeout timeout = assertInstanceOf(TimerTimeout.class, nextMessage());
    assertEquals(new TimerTimeout(timer, "payload"), timeout);
  }
}
