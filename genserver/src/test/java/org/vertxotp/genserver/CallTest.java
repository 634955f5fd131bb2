package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.time.ManualClock;

@ExtendWith(TestVertx.class)
class CallTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  private ServerRef startProbe(Vertx vertx) {
    return Await.result(GenServer.start(vertx, new Probe(vertx), events, new StartOptions().setName("probe")));
  }

  @Test
  void echoCallReturnsTheReply(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    assertEquals("hello", Await.result(GenServer.call(vertx, probe, "echo:hello")));
    assertEquals("by name", Await.result(GenServer.call(vertx, ServerName.of("probe"), "echo:by name")));
  }

  @Test
  void callWithoutTimeoutFailsAfterTheDefault5000ms(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef probe = startProbe(vertx);
    Future<Object> call = GenServer.call(vertx, probe, "defer");
    Await.result(GenServer.call(vertx, probe, "echo:the defer was handled", GenServer.INFINITY));
    clock.advance(Duration.ofMillis(4999));
    assertFalse(call.isComplete(), "failed before 5000 ms");
    clock.advance(Duration.ofMillis(1));
    Await.callFailure(call, CallFailure.TIMEOUT);
  }

  @Test
  void callWithExplicitTimeoutFailsAfterIt(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    long start = System.nanoTime();
    Await.callFailure(GenServer.call(vertx, probe, "defer", Duration.ofMillis(200)), CallFailure.TIMEOUT);
    long elapsed = Await.millisSince(start);
    assertTrue(elapsed >= 200 && elapsed < 2000, "200 ms timeout took " + elapsed + " ms");
  }

  @Test
  void callWithInfinityOutlivesAnyTimeout(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef probe = startProbe(vertx);
    Future<Object> forever = GenServer.call(vertx, probe, "defer", GenServer.INFINITY);
    Future<Object> bounded = GenServer.call(vertx, probe, "defer");
    clock.advance(Duration.ofDays(30));
    Await.callFailure(bounded, CallFailure.TIMEOUT);
    assertFalse(forever.isComplete(), "the infinite call must still be waiting");
    GenServer.cast(vertx, probe, "release:late");
    assertEquals("late", Await.result(forever));
  }

  @Test
  void callToAnUnknownNameFailsAtOnceWithNoServer(Vertx vertx) {
    long start = System.nanoTime();
    Await.callFailure(GenServer.call(vertx, ServerName.of("nobody"), "echo:x"), CallFailure.NO_SERVER);
    assertTrue(Await.millisSince(start) < 1000);
  }

  @Test
  void callToAStoppedServerFailsAtOnceWithNoServer(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    Await.result(GenServer.stop(vertx, probe));
    long start = System.nanoTime();
    Await.callFailure(GenServer.call(vertx, probe, "echo:x"), CallFailure.NO_SERVER);
    Await.callFailure(GenServer.call(vertx, ServerName.of("probe"), "echo:x"), CallFailure.NO_SERVER);
    assertTrue(Await.millisSince(start) < 1000);
  }

  @Test
  void serverCallingItselfFailsAtOnceWithCallingSelf(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    long start = System.nanoTime();
    assertEquals("called", Await.result(GenServer.call(vertx, probe, "self")));
    Future<?> selfCall = (Future<?>) Await.next(events);
    Await.callFailure(selfCall, CallFailure.CALLING_SELF);
    assertTrue(Await.millisSince(start) < 1000);
  }

  @Test
  void serverCallingItselfFromAnAsyncContinuationFailsAtOnceWithCallingSelf(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    long start = System.nanoTime();
    assertEquals(CallFailure.CALLING_SELF, Await.result(GenServer.call(vertx, probe, "self-later")));
    assertTrue(Await.millisSince(start) < 1000);
  }

  @Test
  void callerThatTimedOutLeavesNothingBehindAndTheServerStillHandlesTheRequest(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    Await.callFailure(GenServer.call(vertx, probe, "slow:300", Duration.ofMillis(50)), CallFailure.TIMEOUT);
    assertEquals(0, GenServer.stats(vertx).pendingCalls(), "a timed-out call must not stay registered");
    assertEquals("handled slow:300", Await.next(events));
    // The late reply went nowhere and harmed nothing: the server answers the next caller.
    assertEquals(2, (int) Await.result(GenServer.call(vertx, probe, "get")));
    assertEquals(0, GenServer.stats(vertx).pendingCalls());
  }

  @Test
  void deferredReplyThroughFromReachesTheCallerOnceAndASecondReplyThrows(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    Future<String> answer = GenServer.call(vertx, probe, "defer");
    GenServer.cast(vertx, probe, "release:later");
    assertEquals("later", Await.result(answer));
    assertEquals("second reply threw", Await.next(events));
    assertEquals("released", Await.next(events));
  }

  @Test
  void deferredReplyAfterTheCallerTimedOutIsDroppedSilently(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    Await.callFailure(GenServer.call(vertx, probe, "defer", Duration.ofMillis(50)), CallFailure.TIMEOUT);
    GenServer.cast(vertx, probe, "release:too late");
    assertEquals("second reply threw", Await.next(events));
    assertEquals("released", Await.next(events));
    assertEquals(2, (int) Await.result(GenServer.call(vertx, probe, "get")));
    assertEquals(0, GenServer.stats(vertx).pendingCalls());
  }

  @Test
  void unknownRequestIsRejectedWithBadMessageAndTheServerLivesOn(Vertx vertx) {
    ServerRef probe = startProbe(vertx);
    CallException e = Await.callFailure(GenServer.call(vertx, probe, "dance"), CallFailure.BAD_MESSAGE);
    assertTrue(e.getMessage().contains("unknown word dance"), e.getMessage());
    assertEquals(2, (int) Await.result(GenServer.call(vertx, probe, "get")));
  }

  @Test
  void castAndSendToNobodyNeverFail(Vertx vertx) {
    GenServer.cast(vertx, ServerName.of("nobody"), "x");
    GenServer.send(vertx, new ServerRef("nowhere", 1), "x");
    Await.idle(vertx);
  }
}
