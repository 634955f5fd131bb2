package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/** The retry engine alone: events in, effects out; no timer, no HTTP, no Vert.x. */
class RetryEngineTest {

  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final Outcome FAIL = new Outcome.Transient(500, "HTTP 500");
  private static final Outcome OK = new Outcome.Delivered(202);

  /** An engine driven by hand, recording what it asked for. */
  private static final class Harness {
    final RetryEngine engine;
    long now = 1_000_000;

    Harness(RetryPolicy policy, int concurrency, double random) {
      engine = new RetryEngine(new RetryEngine.Settings(policy, concurrency, 10, 60 * SECOND, HOUR), () -> random);
    }

    Harness() {
      this(RetryPolicy.http(), 4, 0);
    }

    List<Effect> apply(Event event) {
      return engine.apply(event, now);
    }

    List<Effect> enqueue(String id) {
      return apply(new Event.Enqueue(delivery(id)));
    }

    List<Effect> at(long time) {
      now = time;
      return apply(new Event.Due());
    }

    List<Effect> settle(Effect.Dispatch dispatch, Outcome outcome) {
      return apply(new Event.Settled(dispatch.ticket(), outcome));
    }
  }

  private static Delivery delivery(String id) {
    return new Delivery(id, "https://peer.example/inbox", new JsonObject().put("id", id));
  }

  private static List<Effect.Dispatch> dispatches(List<Effect> effects) {
    List<Effect.Dispatch> dispatches = new ArrayList<>();
    effects.forEach(e -> {
      if (e instanceof Effect.Dispatch d) {
        dispatches.add(d);
      }
    });
    return dispatches;
  }

  private static Effect.Dispatch only(List<Effect> effects) {
    List<Effect.Dispatch> dispatches = dispatches(effects);
    assertEquals(1, dispatches.size(), "one dispatch in " + effects);
    return dispatches.get(0);
  }

  private static OptionalLong wake(List<Effect> effects) {
    OptionalLong wake = OptionalLong.empty();
    for (Effect e : effects) {
      if (e instanceof Effect.ArmWake arm) {
        wake = OptionalLong.of(arm.atMillis());
      }
    }
    return wake;
  }

  @Test
  void anEnqueuedDeliveryIsStoredAndDispatchedAtOnceAndDeliveredLeavesNothing() {
    Harness h = new Harness();
    List<Effect> effects = h.enqueue("a");
    assertInstanceOf(Effect.Save.class, effects.get(0), "stored before anything else");
    Effect.Dispatch dispatch = only(effects);
    assertEquals(1, dispatch.attempt());
    List<Effect> settled = h.settle(dispatch, OK);
    assertEquals(List.of(new Effect.Remove("a")), settled);
    assertFalse(h.engine.isPending("a"));
    assertEquals(1, h.engine.counters().delivered());
  }

  @Test
  void alwaysFailingFollowsTheFiveHttpSlotsThenDeadLettersAfterTheSixthAttempt() {
    Harness h = new Harness();
    long start = h.now;
    Effect.Dispatch dispatch = only(h.enqueue("a"));
    long[] expected = {30 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR};
    long due = start;
    for (int slot = 0; slot < 5; slot++) {
      List<Effect> failed = h.settle(dispatch, FAIL);
      due = h.now + expected[slot];
      assertEquals(OptionalLong.of(due), wake(failed), "slot " + (slot + 1));
      assertEquals(List.of(), dispatches(h.at(due - 1)), "nothing before its slot");
      dispatch = only(h.at(due));
      assertEquals(slot + 2, dispatch.attempt());
    }
    List<Effect> last = h.settle(dispatch, FAIL);
    DeadLetter letter = assertInstanceOf(Effect.DeadLettered.class, last.get(0)).letter();
    assertEquals(6, letter.attempts());
    assertEquals(500, letter.lastStatus());
    assertEquals(start, letter.firstFailureMillis());
    assertEquals(due, letter.lastFailureMillis());
    assertEquals(OptionalLong.empty(), h.engine.wake(), "no wake-up left");
    assertEquals(List.of(), dispatches(h.at(due + 60 * HOUR)), "a dead letter never fires again");
    assertEquals(5, h.engine.counters().retried());
    assertEquals(1, h.engine.counters().deadLettered());
  }

  @Test
  void jitterLengthensEachWaitByAtMostItsFraction() {
    for (double random : new double[] {0, 0.5, 0.999}) {
      Harness h = new Harness(RetryPolicy.http(), 4, random);
      Effect.Dispatch dispatch = only(h.enqueue("a"));
      long wait = wake(h.settle(dispatch, FAIL)).getAsLong() - h.now;
      assertEquals(30 * SECOND + (long) (30 * SECOND * 0.2 * random), wait);
      assertTrue(wait >= 30 * SECOND && wait < 36 * SECOND);
    }
  }

  @Test
  void aPermanentFailureDeadLettersAtOnceNamingTheReason() {
    Harness h = new Harness();
    List<Effect> ended = h.settle(only(h.enqueue("a")), new Outcome.Permanent(410, "HTTP 410 Gone"));
    DeadLetter letter = assertInstanceOf(Effect.DeadLettered.class, ended.get(0)).letter();
    assertEquals(1, letter.attempts());
    assertEquals("HTTP 410 Gone", letter.reason());
  }

  @Test
  void aFollowUpPolicyDropsWithTheLastErrorInsteadOfDeadLettering() {
    Harness h = new Harness(RetryPolicy.followUp(), 4, 0);
    Effect.Dispatch dispatch = only(h.enqueue("a"));
    for (long wait : new long[] {200, 400, 800}) {
      h.settle(dispatch, new Outcome.Transient(0, "TIMEOUT"));
      dispatch = only(h.at(h.now + wait));
    }
    List<Effect> ended = h.settle(dispatch, new Outcome.Transient(0, "TIMEOUT: the last one"));
    DeadLetter dropped = assertInstanceOf(Effect.Dropped.class, ended.get(0)).letter();
    assertEquals(4, dropped.attempts());
    assertEquals("TIMEOUT: the last one", dropped.reason());
    assertEquals(List.of(), h.engine.deadLetters());
  }

  @Test
  void retryAfterReplacesTheSlotAndIsClampedToTheMaximum() {
    Harness h = new Harness();
    List<Effect> told = h.settle(only(h.enqueue("a")), new Outcome.Transient(429, "HTTP 429", OptionalLong.of(120 * SECOND)));
    assertEquals(OptionalLong.of(h.now + 120 * SECOND), wake(told));
    Harness clamped = new Harness();
    List<Effect> tooLong = clamped.settle(only(clamped.enqueue("a")),
        new Outcome.Transient(503, "HTTP 503", OptionalLong.of(30 * 24 * HOUR)));
    assertEquals(OptionalLong.of(clamped.now + HOUR), wake(tooLong), "clamped to the one hour maximum");
  }

  @Test
  void dueDeliveriesGoInOrderOfDueTimeThenEnqueueOrderAtMostTheCapAtOnce() {
    Harness h = new Harness(RetryPolicy.http(), 2, 0);
    List<Effect.Dispatch> first = dispatches(h.enqueue("a"));
    first.addAll(dispatches(h.enqueue("b")));
    assertEquals(List.of(), dispatches(h.enqueue("c")), "the cap of 2 is reached");
    assertEquals(List.of(), dispatches(h.enqueue("d")));
    assertEquals("c", only(h.settle(first.get(0), OK)).delivery().id());
    assertEquals("d", only(h.settle(first.get(1), OK)).delivery().id());
  }

  @Test
  void staleDuplicatedAndLostWakesLeaveTheScheduleAsItWas() {
    Harness h = new Harness(RetryPolicy.http(), 4, 0);
    List<Effect.Dispatch> d = new ArrayList<>();
    for (String id : List.of("a", "b", "c")) {
      d.add(only(h.enqueue(id)));
    }
    h.settle(d.get(0), FAIL); // due at +30 s
    h.now += SECOND;
    h.settle(d.get(1), FAIL); // due at +31 s
    h.now += SECOND;
    h.settle(d.get(2), FAIL); // due at +32 s
    long base = h.now - 2 * SECOND;
    assertEquals(List.of(), dispatches(h.at(base + 10 * SECOND)), "a stale wake");
    assertEquals(List.of(), dispatches(h.at(base + 10 * SECOND)), "a duplicated one");
    // The wakes at +30 s and +31 s are lost; the next comes at +40 s: all three go, in order.
    List<String> ids = dispatches(h.at(base + 40 * SECOND)).stream().map(x -> x.delivery().id()).toList();
    assertEquals(List.of("a", "b", "c"), ids);
  }

  @Test
  void aWakeThatComesEarlyBecauseTheWallClockWentBackIsArmedAgain() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    long due = h.now + 30 * SECOND;
    assertEquals(OptionalLong.of(due), h.engine.wake());
    // The timer ran its 30 s, but the wall clock was set back 20 s meanwhile: by the engine's time it is early.
    List<Effect> early = h.at(h.now + 10 * SECOND);
    assertEquals(List.of(), dispatches(early));
    assertEquals(OptionalLong.of(due), wake(early), "the spent wake is armed again, or the worker would sleep for ever");
    assertEquals("a", only(h.at(due)).delivery().id());
  }

  @Test
  void cancelledDeliveriesDoNotStayInTheDueHeapWithTheirPayloads() {
    Harness h = new Harness();
    h.apply(new Event.Enqueue(delivery("first"), HOUR)); // ahead of them all: stale slots are not popped on the way
    for (int i = 0; i < 1_000; i++) {
      h.apply(new Event.Enqueue(delivery("w" + i), 2 * HOUR));
    }
    for (int i = 0; i < 1_000; i++) {
      h.apply(new Event.Cancel("w" + i));
    }
    h.apply(new Event.Enqueue(delivery("last"), 2 * HOUR));
    assertTrue(h.engine.dueSlots() <= 66, "stale slots swept: " + h.engine.dueSlots());
    assertEquals("first", only(h.at(h.now + HOUR)).delivery().id());
    assertEquals("last", only(h.at(h.now + 2 * HOUR)).delivery().id());
  }

  @Test
  void cancelRemovesTheDeliveryAndItsWakeAndReEnqueueStartsAtAttemptOne() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    List<Effect> cancelled = h.apply(new Event.Cancel("a"));
    assertTrue(cancelled.contains(new Effect.Remove("a")));
    assertTrue(cancelled.contains(new Effect.CancelWake()), "nothing left to wake for: " + cancelled);
    assertEquals(List.of(), dispatches(h.at(h.now + 10 * HOUR)));
    Effect.Dispatch again = only(h.enqueue("a"));
    assertEquals(1, again.attempt());
  }

  @Test
  void anAttemptInFlightWhenCancelledNoLongerCounts() {
    Harness h = new Harness();
    Effect.Dispatch inFlight = only(h.enqueue("a"));
    h.apply(new Event.Cancel("a"));
    Effect.Dispatch fresh = only(h.enqueue("a"));
    assertEquals(List.of(), h.settle(inFlight, OK), "the cancelled attempt's outcome is ignored");
    assertTrue(h.engine.isPending("a"), "the new delivery of that id goes on");
    h.settle(fresh, OK);
    assertFalse(h.engine.isPending("a"));
  }

  @Test
  void enqueueingAPendingIdChangesNothing() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    assertEquals(List.of(), h.enqueue("a"));
    assertEquals(1, h.engine.pending().get(0).attempts());
  }

  @Test
  void afterTenFailuresInARowTheBreakerHoldsEverythingBackForTheCoolOffThenOneProbeDecides() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    List<Effect.Dispatch> inFlight = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      inFlight.add(only(h.enqueue("d" + i)));
    }
    for (Effect.Dispatch d : inFlight) {
      h.settle(d, FAIL);
    }
    assertTrue(h.engine.isBreakerOpen());
    long opened = h.now;
    assertEquals(List.of(), dispatches(h.enqueue("late")), "nothing goes while it is open");
    assertEquals(List.of(), dispatches(h.at(opened + 59 * SECOND)));
    Effect.Dispatch probe = only(h.at(opened + 60 * SECOND));
    assertEquals("late", probe.delivery().id(), "the probe is the one that was due first");
    List<Effect> closed = h.settle(probe, OK);
    assertFalse(h.engine.isBreakerOpen());
    assertEquals(10, dispatches(closed).size(), "the ten held back past their slots go at once");
  }

  @Test
  void aFailedProbeOpensTheBreakerForAnotherCoolOffAndWaitingIsNoAttempt() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    for (int i = 0; i < 10; i++) {
      h.settle(only(h.enqueue("d" + i)), FAIL);
    }
    long opened = h.now;
    h.enqueue("waiting");
    Effect.Dispatch probe = only(h.at(opened + 60 * SECOND));
    assertEquals("waiting", probe.delivery().id(), "the probe is the one due first");
    h.settle(probe, FAIL);
    assertEquals(List.of(), dispatches(h.at(opened + 119 * SECOND)));
    assertEquals("d0", only(h.at(opened + 120 * SECOND)).delivery().id());
    assertEquals(1, h.engine.status("d1").orElseThrow().attempts(), "held back past its slot, it made no attempt");
  }

  @Test
  void failuresOfAttemptsAlreadyOutWhenTheBreakerOpenedDoNotLengthenTheCoolOff() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    List<Effect.Dispatch> out = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      out.add(only(h.enqueue("d" + i)));
    }
    for (int i = 0; i < 10; i++) {
      h.settle(out.get(i), FAIL);
    }
    long opened = h.now;
    h.now = opened + 30 * SECOND;
    h.settle(out.get(10), FAIL); // the eleventh, sent before the breaker opened, fails late
    Effect.Dispatch probe = only(h.at(opened + 60 * SECOND));
    assertEquals("d0", probe.delivery().id(), "the probe goes when the first cool-off ends");
  }

  @Test
  void aRestoredDeadLetterThatIsPendingAgainIsForgottenNotKeptTwice() {
    Harness h = new Harness();
    StoredDelivery a = new StoredDelivery(delivery("a"), 1, 0, h.now + HOUR, 0, null, 0, 0);
    DeadLetter stale = new DeadLetter(delivery("a"), 6, 500, "HTTP 500", 1, 2);
    List<Effect> restored = h.apply(new Event.Restore(new StoredState(List.of(a), List.of(stale))));
    assertTrue(restored.stream().noneMatch(e -> e instanceof Effect.Remove), "the pending delivery is kept: " + restored);
    assertEquals(List.of(), h.engine.deadLetters());
    assertTrue(h.engine.isPending("a"));
  }

  @Test
  void aRollbackTakesBackTheUnsavedDeliveryAndGivesBackTheDeadLetterItReplacedButNeverALaterOne() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), new Outcome.Permanent(410, "HTTP 410"));
    Effect.Dispatch again = only(h.enqueue("a")); // enqueued again: replaces the dead letter
    assertEquals(List.of(), h.engine.deadLetters());
    long sequence = h.engine.sequenceOf("a");
    List<Effect> undone = h.apply(new Event.Rollback("a", sequence)); // its save failed
    assertTrue(undone.stream().anyMatch(e -> e instanceof Effect.DeadLetterAgain back && back.letter().id().equals("a")),
        "the store is told it is a dead letter again, whatever it holds by now: " + undone);
    assertFalse(h.engine.isPending("a"));
    assertEquals(List.of("a"), h.engine.deadLetters().stream().map(DeadLetter::id).toList(), "the dead letter is back");
    assertEquals(List.of(), h.settle(again, OK), "the attempt already out no longer counts");

    Effect.Dispatch fresh = only(h.enqueue("a"));
    h.apply(new Event.Rollback("a", sequence)); // a late rollback of the earlier, failed enqueue
    assertTrue(h.engine.isPending("a"), "a later delivery of that id is left alone");
    h.settle(fresh, OK);
    assertFalse(h.engine.isPending("a"));
    assertEquals(List.of(new Effect.Remove("a")), h.apply(new Event.Rollback("a", sequence)).stream()
        .filter(e -> !(e instanceof Effect.ArmWake || e instanceof Effect.CancelWake)).toList(),
        "delivered since, nothing of it left: a dead letter the store may still hold is forgotten");
  }

  @Test
  void restoreResumesTheScheduleAttemptsAndDueTimesIntactOverdueOnesAtOnceInOrder() {
    Harness before = new Harness();
    before.settle(only(before.enqueue("a")), FAIL);
    StoredDelivery a = before.engine.pending().stream().findFirst()
        .map(s -> new StoredDelivery(delivery("a"), 1, s.attempts(), s.dueMillis(), 500, "HTTP 500", 1, 1)).orElseThrow();
    StoredDelivery b = new StoredDelivery(delivery("b"), 2, 0, before.now - 5, 0, null, 0, 0);
    StoredDelivery c = new StoredDelivery(delivery("c"), 3, 2, before.now + HOUR, 500, "HTTP 500", 1, 1);
    Harness after = new Harness();
    after.now = before.now;
    List<Effect> restored = after.apply(new Event.Restore(new StoredState(List.of(c, a, b), List.of())));
    assertEquals(List.of("b"), dispatches(restored).stream().map(d -> d.delivery().id()).toList(), "the overdue one at once");
    assertEquals(OptionalLong.of(a.dueMillis()), wake(restored));
    Effect.Dispatch second = only(after.at(a.dueMillis()));
    assertEquals("a", second.delivery().id());
    assertEquals(2, second.attempt(), "its attempts survived");
    assertEquals(2, after.engine.status("c").orElseThrow().attempts());
  }

  @Test
  void aRedriveSpacesDeadLettersAtTheRateAndStartsThemAgainAtAttemptOne() {
    Harness h = new Harness(RetryPolicy.http(), 100, 0);
    for (int i = 0; i < 5; i++) {
      h.settle(only(h.enqueue("d" + i)), new Outcome.Permanent(404, "HTTP 404"));
    }
    assertEquals(5, h.engine.deadLetters().size());
    long start = h.now;
    List<Effect> redriven = h.apply(new Event.Redrive(List.of(), 10));
    assertEquals(List.of("d0"), dispatches(redriven).stream().map(d -> d.delivery().id()).toList());
    assertEquals(1, dispatches(redriven).get(0).attempt());
    assertEquals(List.of(), h.engine.deadLetters());
    for (int i = 0; i < 5; i++) { // each saved, which forgets its dead letter in the same step: never in neither place
      String id = "d" + i;
      assertTrue(redriven.stream().anyMatch(e -> e instanceof Effect.Save save && save.delivery().delivery().id().equals(id)),
          id + " is saved: " + redriven);
    }
    assertTrue(redriven.stream().noneMatch(e -> e instanceof Effect.Remove), "no separate forget: " + redriven);
    for (int i = 1; i < 5; i++) {
      assertEquals(List.of(), dispatches(h.at(start + i * 100 - 1)));
      assertEquals("d" + i, only(h.at(start + i * 100)).delivery().id());
    }
  }

  @Test
  void flushMakesEverythingWaitingDueNow() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    assertEquals("a", only(h.apply(new Event.Flush())).delivery().id());
  }

  @Test
  void theBackoffArithmeticFollowsItsTable() {
    RetryPolicy policy = RetryPolicy.of(List.of(Duration.ofSeconds(1), Duration.ofSeconds(10)), 0.5, RetryPolicy.Exhausted.DROP);
    assertEquals(1000, policy.backoffMillis(1, 0));
    assertEquals(1250, policy.backoffMillis(1, 0.5));
    assertEquals(10_000, policy.backoffMillis(2, 0));
    assertEquals(14_999, policy.backoffMillis(2, 0.9999));
    assertFalse(policy.isExhausted(2));
    assertTrue(policy.isExhausted(3));
  }
}
