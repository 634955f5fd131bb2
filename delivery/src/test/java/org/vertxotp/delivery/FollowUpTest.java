package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.Clock;

/** Scheduled follow-ups: deliveries to gen_servers by name, with bounded retries, on a manual clock. */
class FollowUpTest extends OnManualClock {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);

  private DeliveryService followUps;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    vertx.eventBus().<JsonObject>consumer(DeliveryWorkerOptions.DEFAULT_EVENT_ADDRESS, m -> events.add(m.body()));
    followUps = Await.result(DeliveryService.start(vertx, "follow-ups", new GenServerTransport(vertx, CALL_TIMEOUT),
        new DeliveryWorkerOptions().setRetryPolicy(RetryPolicy.followUp()).setRandom(() -> 0)));
  }

  /** Answers requests whose "id" is not in its list of ids to leave unanswered, and records when each came. */
  static final class Target implements GenServer<List<String>, List<String>> {
    final BlockingQueue<Long> calls = new LinkedBlockingQueue<>();
    final BlockingQueue<String> ids = new LinkedBlockingQueue<>();
    private final Clock clock;
    private int ignored;
    private final int ignoreFirst;

    Target(Clock clock, int ignoreFirst) {
      this.clock = clock;
      this.ignoreFirst = ignoreFirst;
    }

    @Override
    public InitResult<List<String>> init(List<String> neverAnswer) {
      return ok(neverAnswer);
    }

    @Override
    public CallResult<List<String>> handleCall(Object request, From from, List<String> neverAnswer) {
      calls.add(clock.currentTimeMillis());
      String id = ((JsonObject) request).getString("id");
      ids.add(id);
      if (neverAnswer.contains(id) || ignored++ < ignoreFirst) {
        return noreply(neverAnswer); // the caller times out
      }
      return reply("done", neverAnswer);
    }
  }

  private Target target(String name, int ignoreFirst, List<String> neverAnswer) {
    Target target = new Target(Clock.of(vertx), ignoreFirst);
    Await.result(GenServer.start(vertx, target, neverAnswer, new StartOptions().setName(name)));
    return target;
  }

  private static Delivery followUp(String id, String target) {
    return new Delivery(id, target, new JsonObject().put("id", id));
  }

  private void until(String target, Predicate<DeliveryStats> condition, String what) {
    until(followUps, target, condition, what);
  }

  @Test
  void aFollowUpToAMissingNameIsDroppedAtOnceAndNeverFiresAgain() {
    Await.result(followUps.enqueue(followUp("f1", "nobody")));
    until("nobody", s -> s.dropped() == 1, "dropped");
    JsonObject event = Await.next(events);
    assertEquals("dropped", event.getString("event"));
    assertEquals("f1", event.getString("id"));
    assertTrue(event.getString("reason").startsWith("target gone"), event.getString("reason"));
    clock.advance(Duration.ofDays(7));
    DeliveryStats stats = stats(followUps, "nobody"); // after any wake
    assertEquals(1, stats.dropped());
    assertEquals(0, stats.inFlight(), "nothing attempted again");
    assertEquals(0, stats.pending());
    assertEquals(0, GenServer.stats(vertx).pendingTimers());
    Await.nothingFor(events, 100); // ended once: no second event
  }

  @Test
  void aTargetThatTimesOutTwiceGetsItOnTheThirdAttemptAtTwoHundredThenFourHundredMillisecondsLater() {
    Target target = target("slowpoke", 2, List.of());
    long start = clock.currentTimeMillis();
    Await.result(followUps.enqueue(followUp("f2", "slowpoke")));
    assertEquals(start, Await.next(target.calls));
    clock.advance(CALL_TIMEOUT); // the first call times out: retry in 200 ms
    until("slowpoke", s -> s.retried() == 1, "retried once");
    clock.advance(Duration.ofMillis(200));
    assertEquals(start + 1200, Await.next(target.calls));
    clock.advance(CALL_TIMEOUT);
    until("slowpoke", s -> s.retried() == 2, "retried twice");
    clock.advance(Duration.ofMillis(400));
    assertEquals(start + 2600, Await.next(target.calls));
    until("slowpoke", s -> s.delivered() == 1, "delivered on the third attempt");
  }

  @Test
  void anExhaustedFollowUpIsDroppedWithItsLastError() {
    Target target = target("deaf", 0, List.of("f3"));
    Await.result(followUps.enqueue(followUp("f3", "deaf")));
    int failed = 0;
    for (long wait : new long[] {200, 400, 800}) {
      Await.next(target.calls);
      clock.advance(CALL_TIMEOUT);
      int settled = ++failed;
      until("deaf", s -> s.retried() == settled, "attempt " + settled + " failed");
      clock.advance(Duration.ofMillis(wait));
    }
    Await.next(target.calls);
    clock.advance(CALL_TIMEOUT);
    until("deaf", s -> s.dropped() == 1, "dropped");
    JsonObject event = Await.next(events);
    assertEquals(4, event.getInteger("attempts"));
    assertTrue(event.getString("reason").startsWith("TIMEOUT"), event.getString("reason"));
  }

  @Test
  void whileOneFollowUpWaitsToRetryOthersAreDeliveredOnTimeOneDueWithItsRetryIncluded() {
    Target target = target("busy", 0, List.of("stuck"));
    long start = clock.currentTimeMillis();
    Await.result(followUps.enqueue(followUp("stuck", "busy")));
    assertEquals(start, Await.next(target.calls));
    Await.result(followUps.enqueue(followUp("between", "busy"), Duration.ofMillis(1100)));
    Await.result(followUps.enqueue(followUp("same-time", "busy"), Duration.ofMillis(1200)));
    clock.advance(CALL_TIMEOUT); // "stuck" times out at 1000 ms: its retry is due at 1200 ms
    until("busy", s -> s.retried() == 1, "stuck waits to retry");
    clock.advance(Duration.ofMillis(100));
    assertEquals(start + 1100, Await.next(target.calls), "the one due while the other waits goes on time");
    until("busy", s -> s.delivered() == 1, "delivered");
    clock.advance(Duration.ofMillis(100));
    assertEquals(start + 1200, Await.next(target.calls));
    assertEquals(start + 1200, Await.next(target.calls), "the retry and the one due with it, both at 1200 ms");
    until("busy", s -> s.delivered() == 2 && s.inFlight() == 1, "the one due with the retry is delivered");
  }

  @Test
  void tenCallTimeoutsToOneServerHoldNoOtherFollowUpToItAndEachKeepsItsOwnSchedule() {
    DeliveryService wide = Await.result(DeliveryService.start(vertx, "wide-follow-ups", new GenServerTransport(vertx,
        CALL_TIMEOUT), new DeliveryWorkerOptions().setRetryPolicy(RetryPolicy.followUp()).setMaxConcurrency(16)
        .setRandom(() -> 0)));
    List<String> stuck = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      stuck.add("stuck" + i);
    }
    Target target = target("slow-server", 0, stuck);
    for (String id : stuck) {
      Await.result(wide.enqueue(followUp(id, "slow-server")));
      Await.next(target.calls);
    }
    clock.advance(CALL_TIMEOUT); // ten timeouts in a row
    until(wide, "slow-server", s -> s.retried() == 10, "ten failures");
    assertTrue(!stats(wide, "slow-server").breakerOpen(), "follow-ups have no breaker by default");
    long now = clock.currentTimeMillis();
    Await.result(wide.enqueue(followUp("due-now", "slow-server")));
    assertEquals(now, Await.next(target.calls), "a follow-up due now is called now");
    until(wide, "slow-server", s -> s.delivered() == 1, "and delivered");
    for (long wait : new long[] {200, 400, 800}) { // each stuck one keeps its schedule, then is dropped
      clock.advance(Duration.ofMillis(wait));
      for (int i = 0; i < 10; i++) {
        assertEquals(clock.currentTimeMillis(), Await.next(target.calls), "retried on time");
      }
      clock.advance(CALL_TIMEOUT);
    }
    until(wide, "slow-server", s -> s.dropped() == 10, "dropped when their schedules ran out");
  }

  @Test
  void withAFailingBreakerTurnedOnWhatItHoldsBackKeepsItsOwnDeadlineAndIsDroppedWhenExhausted() {
    DeliveryService guarded = Await.result(DeliveryService.start(vertx, "guarded-follow-ups",
        new GenServerTransport(vertx, CALL_TIMEOUT), new DeliveryWorkerOptions().setRetryPolicy(RetryPolicy.followUp())
            .setBreaker(BreakerPolicy.failing(3, Duration.ofMinutes(1))).setRandom(() -> 0)));
    Target target = target("flaky-server", 0, List.of("a", "b", "c"));
    for (String id : List.of("a", "b", "c")) {
      Await.result(guarded.enqueue(followUp(id, "flaky-server")));
      Await.next(target.ids);
    }
    clock.advance(CALL_TIMEOUT);
    until(guarded, "flaky-server", DeliveryStats::breakerOpen, "three timeouts open it");
    Await.result(guarded.enqueue(followUp("late", "flaky-server")));
    for (int step = 0; step < 20; step++) {
      clock.advance(Duration.ofMillis(100));
    }
    until(guarded, "flaky-server", s -> s.dropped() == 4, "all four dropped within their 1.4 s schedules, not held a minute");
    java.util.Set<String> dropped = new java.util.HashSet<>();
    for (int i = 0; i < 4; i++) {
      JsonObject event = Await.next(events);
      dropped.add(event.getString("id"));
      if (event.getString("id").equals("late")) {
        assertEquals("circuit breaker open", event.getString("reason"));
        assertEquals(4, event.getInteger("attempts"));
      }
    }
    assertEquals(java.util.Set.of("a", "b", "c", "late"), dropped);
    assertTrue(target.ids.stream().noneMatch("late"::equals), "nothing was called while the breaker was open");
  }
}
