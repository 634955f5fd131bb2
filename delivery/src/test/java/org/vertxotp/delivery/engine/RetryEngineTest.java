package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.delivery.engine.Harness.FAIL;
import static org.vertxotp.delivery.engine.Harness.HOUR;
import static org.vertxotp.delivery.engine.Harness.MINUTE;
import static org.vertxotp.delivery.engine.Harness.OK;
import static org.vertxotp.delivery.engine.Harness.SECOND;
import static org.vertxotp.delivery.engine.Harness.delivery;
import static org.vertxotp.delivery.engine.Harness.dispatches;
import static org.vertxotp.delivery.engine.Harness.ids;
import static org.vertxotp.delivery.engine.Harness.of;
import static org.vertxotp.delivery.engine.Harness.only;
import static org.vertxotp.delivery.engine.Harness.wake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/** The retry engine alone: events in, effects out; no timer, no HTTP, no Vert.x. */
class RetryEngineTest {

  @Test
  void anEnqueuedDeliveryIsWrittenFirstSentOnceKeptAndDeliveredLeavesNothing() {
    Harness h = new Harness();
    List<Effect> effects = h.enqueue("a");
    assertInstanceOf(Effect.Write.class, effects.get(0), "written before anything else");
    assertEquals(true, h.lastAnswer(), "answered once kept");
    Effect.Dispatch dispatch = only(effects);
    assertTrue(effects.indexOf(dispatch) > effects.indexOf(of(Effect.Answer.class, effects).get(0)),
        "sent once the store kept it and the caller was answered: " + effects);
    assertEquals(1, dispatch.attempt());
    List<Effect> settled = h.settle(dispatch, OK);
    assertEquals(List.of(new Record.Gone()), of(Effect.Write.class, settled).stream().map(Effect.Write::record).toList());
    assertFalse(h.engine.isPending("a"));
    assertEquals(new Record.Gone(), h.store.get("a"));
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
    DeadLetter letter = of(Effect.DeadLettered.class, last).get(0).letter();
    assertTrue(last.indexOf(of(Effect.Write.class, last).get(0)) < last.indexOf(of(Effect.DeadLettered.class, last).get(0)),
        "announced once written: " + last);
    assertEquals(new Record.Dead(letter), h.store.get("a"));
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
    DeadLetter letter = of(Effect.DeadLettered.class, ended).get(0).letter();
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
    DeadLetter dropped = of(Effect.Dropped.class, ended).get(0).letter();
    assertEquals(4, dropped.attempts());
    assertEquals("TIMEOUT: the last one", dropped.reason());
    assertEquals(List.of(), h.engine.deadLetters());
    assertEquals(new Record.Gone(), h.store.get("a"));
  }

  @Test
  void retryAfterIsALowerBoundOnTheWaitNeverAShortcutAndIsClampedToTheMaximum() {
    Harness shorter = new Harness();
    List<Effect> told = shorter.settle(only(shorter.enqueue("a")), new Outcome.Transient(503, "HTTP 503", OptionalLong.of(SECOND)));
    assertEquals(OptionalLong.of(shorter.now + 30 * SECOND), wake(told), "Retry-After: 1 still waits the 30 s slot");
    Harness longer = new Harness();
    told = longer.settle(only(longer.enqueue("a")), new Outcome.Transient(429, "HTTP 429", OptionalLong.of(120 * SECOND)));
    assertEquals(OptionalLong.of(longer.now + 120 * SECOND), wake(told), "a longer Retry-After wins");
    Harness clamped = new Harness();
    List<Effect> tooLong = clamped.settle(only(clamped.enqueue("a")),
        new Outcome.Transient(503, "HTTP 503", OptionalLong.of(30 * 24 * HOUR)));
    assertEquals(OptionalLong.of(clamped.now + HOUR), wake(tooLong), "clamped to the one hour maximum");
  }

  @Test
  void aRetryAfterHoldsTheWholeDestinationWithoutCountingAttemptsAndTheHeldKeepTheirOrder() {
    Harness h = new Harness(RetryPolicy.http(), 1, 0);
    Effect.Dispatch first = only(h.enqueue("limited"));
    for (String id : List.of("b", "c", "d")) {
      assertEquals(List.of(), dispatches(h.enqueue(id)), "the cap of 1 is taken");
    }
    long start = h.now;
    List<Effect> told = h.settle(first, new Outcome.Transient(429, "HTTP 429", OptionalLong.of(60 * SECOND)));
    assertEquals(List.of(), dispatches(told), "nothing goes to a destination that asked for a minute's quiet");
    assertTrue(h.engine.isHeld(h.now));
    assertEquals(OptionalLong.of(start + 60 * SECOND), wake(told));
    assertEquals(List.of(), dispatches(h.at(start + 60 * SECOND - 1)));
    assertEquals(List.of("b"), ids(h.at(start + 60 * SECOND)), "then in order");
    for (String id : List.of("b", "c", "d")) {
      assertEquals(0, h.engine.status(id).orElseThrow().attempts(), id + ": waiting under a hold is no attempt");
    }
  }

  @Test
  void a429WithoutRetryAfterHoldsTheDestinationForTheFirstSlotAndA503WithoutOneHoldsNothing() {
    Harness h = new Harness(RetryPolicy.http(), 4, 0);
    h.settle(only(h.enqueue("a")), new Outcome.Transient(429, "HTTP 429"));
    assertEquals(List.of(), dispatches(h.enqueue("b")));
    assertEquals(List.of(), dispatches(h.at(h.now + 30 * SECOND - 1)));
    assertEquals(List.of("a", "b"), ids(h.at(h.now + 1)).stream().sorted().toList());

    Harness other = new Harness(RetryPolicy.http(), 4, 0);
    other.settle(only(other.enqueue("a")), new Outcome.Transient(503, "HTTP 503"));
    assertEquals(List.of("b"), ids(other.enqueue("b")), "a plain 503 holds only its own delivery");
  }

  @Test
  void dueDeliveriesGoInOrderOfDueTimeThenEnqueueOrderAtMostTheCapAtOnce() {
    Harness h = new Harness(RetryPolicy.http(), 2, 0);
    List<Effect.Dispatch> first = new ArrayList<>(dispatches(h.enqueue("a")));
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
    assertEquals(List.of("a", "b", "c"), ids(h.at(base + 40 * SECOND)));
  }

  @Test
  void aWakeThatComesEarlyBecauseTheWallClockWentBackIsArmedAgain() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    long due = h.now + 30 * SECOND;
    assertEquals(OptionalLong.of(due), h.engine.wake());
    List<Effect> early = h.at(h.now + 10 * SECOND);
    assertEquals(List.of(), dispatches(early));
    assertEquals(OptionalLong.of(due), wake(early), "the spent wake is armed again, or the worker would sleep for ever");
    assertEquals("a", only(h.at(due)).delivery().id());
  }

  @Test
  void cancelledDeliveriesDoNotStayInTheDueQueueWithTheirPayloads() {
    Harness h = new Harness();
    h.enqueue("first", HOUR); // ahead of them all: stale slots are not popped on the way
    for (int i = 0; i < 1_000; i++) {
      h.enqueue("w" + i, 2 * HOUR);
    }
    for (int i = 0; i < 1_000; i++) {
      h.cancel("w" + i);
    }
    h.enqueue("last", 2 * HOUR);
    assertTrue(h.engine.dueSlots() <= 66, "stale slots swept: " + h.engine.dueSlots());
    assertEquals("first", only(h.at(h.now + HOUR)).delivery().id());
    assertEquals("last", only(h.at(h.now + 2 * HOUR)).delivery().id());
  }

  @Test
  void cancelRemovesTheDeliveryAndItsWakeAndReEnqueueStartsAtAttemptOne() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    List<Effect> cancelled = h.cancel("a");
    assertEquals(true, h.lastAnswer());
    assertEquals(new Record.Gone(), h.store.get("a"));
    assertTrue(cancelled.contains(new Effect.CancelWake()), "nothing left to wake for: " + cancelled);
    assertEquals(List.of(), dispatches(h.at(h.now + 10 * HOUR)));
    h.cancel("a");
    assertEquals(false, h.lastAnswer(), "not pending any more");
    assertEquals(1, only(h.enqueue("a")).attempt());
  }

  @Test
  void anAttemptInFlightWhenCancelledNoLongerCounts() {
    Harness h = new Harness();
    Effect.Dispatch inFlight = only(h.enqueue("a"));
    h.cancel("a");
    Effect.Dispatch fresh = only(h.enqueue("a"));
    assertEquals(List.of(), h.settle(inFlight, OK), "the cancelled attempt's outcome is ignored");
    assertTrue(h.engine.isPending("a"), "the new delivery of that id goes on");
    h.settle(fresh, OK);
    assertFalse(h.engine.isPending("a"));
  }

  @Test
  void enqueueingAPendingIdChangesNothingAndIsAnsweredFalse() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    assertEquals(List.of(), dispatches(h.enqueue("a")));
    assertEquals(false, h.lastAnswer());
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
  void aCancelledProbeIsReplacedByAnotherAtOnce() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    for (int i = 0; i < 10; i++) {
      h.settle(only(h.enqueue("d" + i)), FAIL);
    }
    Effect.Dispatch probe = only(h.at(h.now + 60 * SECOND));
    h.cancel(probe.delivery().id());
    List<Effect> settled = h.settle(probe, OK);
    assertEquals(List.of(), of(Effect.Write.class, settled), "the withdrawn probe's outcome is ignored");
    Effect.Dispatch next = only(settled);
    assertTrue(h.engine.isBreakerOpen(), "it told nothing: another probe goes, alone");
    assertEquals(List.of(), dispatches(h.settle(next, FAIL)), "and its failure opens the breaker again");
    assertTrue(h.engine.isBreakerOpen());
  }

  @Test
  void aRestoredDeadLetterThatIsPendingAgainIsForgottenNotKeptTwice() {
    Harness h = new Harness();
    StoredDelivery a = new StoredDelivery(delivery("a"), 1, 0, h.now + HOUR, 0, null, 0, 0);
    DeadLetter stale = new DeadLetter(delivery("a"), 6, 500, "HTTP 500", 1, 2);
    List<Effect> restored = h.apply(new Event.Restore(new StoredState(List.of(a), List.of(stale))));
    assertEquals(List.of(), of(Effect.Write.class, restored), "nothing written on a restore");
    assertEquals(List.of(), h.engine.deadLetters());
    assertTrue(h.engine.isPending("a"));
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
    assertEquals(List.of("b"), ids(restored), "the overdue one at once");
    assertEquals(OptionalLong.of(a.dueMillis()), wake(restored));
    Effect.Dispatch second = only(after.at(a.dueMillis()));
    assertEquals("a", second.delivery().id());
    assertEquals(2, second.attempt(), "its attempts survived");
    assertEquals(2, after.engine.status("c").orElseThrow().attempts());
  }

  @Test
  void aRedriveStartsDeadLettersAgainAtAttemptOneAtTheRateEachWrittenInOneStep() {
    Harness h = new Harness(RetryPolicy.http(), 100, 0);
    for (int i = 0; i < 5; i++) {
      h.settle(only(h.enqueue("d" + i)), new Outcome.Permanent(404, "HTTP 404"));
    }
    assertEquals(5, h.engine.deadLetters().size());
    long start = h.now;
    List<Effect> redriven = h.apply(new Event.Redrive(List.of(), 10, h.caller()));
    assertEquals(5, h.lastAnswer());
    assertEquals(List.of("d0"), ids(redriven));
    assertEquals(1, dispatches(redriven).get(0).attempt());
    assertEquals(List.of(), h.engine.deadLetters());
    for (int i = 0; i < 5; i++) { // each written as pending, which forgets its dead letter in the same step
      assertInstanceOf(Record.Pending.class, h.store.get("d" + i));
    }
    assertEquals(OptionalLong.of(start + 100), h.engine.wake(), "woken for the next at the rate");
    for (int i = 1; i < 5; i++) {
      assertEquals(List.of(), dispatches(h.at(start + i * 100 - 1)));
      assertEquals("d" + i, only(h.at(start + i * 100)).delivery().id());
    }
  }

  @Test
  void aRedriveHeldBackByTheBreakerStillStartsNoFasterThanItsRate() {
    Harness h = new Harness(RetryPolicy.http(), 100, 0);
    for (int i = 0; i < 20; i++) {
      h.settle(only(h.enqueue("gone" + i)), new Outcome.Permanent(410, "HTTP 410"));
    }
    for (int i = 0; i < 10; i++) {
      h.settle(only(h.enqueue("f" + i)), FAIL);
    }
    assertTrue(h.engine.isBreakerOpen());
    long opened = h.now;
    h.apply(new Event.Redrive(List.of(), 2, h.caller()));
    assertEquals(List.of(), dispatches(h.at(opened + 30 * SECOND)), "held back by the breaker");
    Effect.Dispatch probe = only(h.at(opened + 60 * SECOND));
    List<Long> starts = new ArrayList<>();
    List<Effect> closed = h.settle(probe, OK);
    ids(closed).stream().filter(id -> id.startsWith("gone")).forEach(id -> starts.add(h.now));
    for (long t = h.now + 1; t <= opened + 80 * SECOND; t += 50) {
      for (String id : ids(h.at(t))) {
        if (id.startsWith("gone")) {
          starts.add(t);
        }
      }
    }
    if (probe.delivery().id().startsWith("gone")) {
      starts.add(0, opened + 60 * SECOND);
    }
    assertEquals(20, starts.size(), "all of them went: " + starts);
    for (int i = 2; i < starts.size(); i++) {
      assertTrue(starts.get(i) - starts.get(i - 2) >= SECOND, "at most two in any second: " + starts);
    }
  }

  @Test
  void flushMakesEverythingWaitingDueNow() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    assertEquals("a", only(h.apply(new Event.Flush())).delivery().id());
  }

  @Test
  void theFollowUpsDefaultOfNoBreakerNeverHoldsAnythingBack() {
    Harness h = new Harness(RetryPolicy.followUp(), org.vertxotp.delivery.BreakerPolicy.none(), 20, 0);
    for (int i = 0; i < 15; i++) {
      h.settle(only(h.enqueue("f" + i)), new Outcome.Transient(0, "TIMEOUT"));
    }
    assertFalse(h.engine.isBreakerOpen());
    assertEquals(List.of("due-now"), ids(h.enqueue("due-now")), "goes at once after fifteen failures");
  }

  @Test
  void withAFailingBreakerWhatFallsDueWhileOpenKeepsItsOwnScheduleAndIsDroppedWhenExhausted() {
    Harness h = new Harness(RetryPolicy.followUp(),
        org.vertxotp.delivery.BreakerPolicy.failing(3, Duration.ofSeconds(60)), 20, 0);
    for (int i = 0; i < 3; i++) {
      h.settle(only(h.enqueue("f" + i)), new Outcome.Transient(0, "TIMEOUT"));
    }
    assertTrue(h.engine.isBreakerOpen());
    long start = h.now;
    List<Effect> enqueued = h.enqueue("held");
    assertEquals(List.of(), dispatches(enqueued), "not sent while open");
    assertEquals(1, h.engine.status("held").orElseThrow().attempts(), "but failed at once, as an attempt");
    List<Effect> all = new ArrayList<>();
    for (long t = start; t <= start + 1600; t += 100) {
      all.addAll(h.at(t));
    }
    List<String> dropped = of(Effect.Dropped.class, all).stream().map(d -> d.letter().id()).toList();
    assertTrue(dropped.contains("held"), "dropped within its 200+400+800 ms schedule, not held for the cool-off: " + dropped);
    assertEquals("circuit breaker open", of(Effect.Dropped.class, all).stream()
        .filter(d -> d.letter().id().equals("held")).findFirst().orElseThrow().letter().reason());
    assertEquals(List.of(), dispatches(all), "nothing was sent to the failing destination");
  }
}
