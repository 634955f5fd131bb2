package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.delivery.engine.Harness.FAIL;
import static org.vertxotp.delivery.engine.Harness.HOUR;
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
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/** The engine at its edges: what its counts and views say, when it wakes, and who goes first. */
class EngineEdgesTest {

  private static final Outcome GONE = new Outcome.Permanent(410, "HTTP 410");
  private static final Outcome LIMITED = new Outcome.Transient(429, "HTTP 429", OptionalLong.of(10 * SECOND));

  @Test
  void itsViewsSayWhatItHolds() {
    Harness h = new Harness(RetryPolicy.http(), 2, 0);
    assertEquals(0, h.engine.pendingCount());
    Effect.Dispatch a = only(h.enqueue("a"));
    h.enqueue("b", HOUR);
    assertEquals(2, h.engine.pendingCount());
    assertEquals(1, h.engine.inFlight());
    assertTrue(h.engine.status("a").orElseThrow().inFlight());
    assertFalse(h.engine.status("b").orElseThrow().inFlight());
    assertTrue(h.engine.dueSlots() >= 1, "b waits in the queue");
    h.settle(a, GONE);
    assertEquals(1, h.engine.deadLetterCount());
    assertEquals(0, h.engine.inFlight());
    assertEquals(1, h.engine.pendingCount());
    assertInstanceOf(Record.Dead.class, h.store.get("a"));
  }

  @Test
  void whatTheStoreKeepsOfARetryIsItsWholeSchedule() {
    Harness h = new Harness();
    long start = h.now;
    h.settle(only(h.enqueue("a")), FAIL);
    StoredDelivery stored = assertInstanceOf(Record.Pending.class, h.store.get("a")).delivery();
    assertEquals(1, stored.attempts());
    assertEquals(start + 30 * SECOND, stored.dueMillis());
    assertEquals(500, stored.lastStatus());
    assertEquals("HTTP 500", stored.lastReason());
    assertEquals(start, stored.firstFailureMillis());
  }

  @Test
  void theSecondOfTwoAttemptsOutWhenCancelledNoLongerCountsEither() {
    Harness h = new Harness();
    only(h.enqueue("a"));
    Effect.Dispatch second = only(h.enqueue("b"));
    h.cancel("b");
    assertEquals(2, h.engine.inFlight(), "both still take their slots");
    assertEquals(List.of(), of(Effect.Write.class, h.settle(second, OK)), "its outcome is ignored");
    assertEquals(new Record.Gone(), h.store.get("b"));
  }

  @Test
  void droppedFollowUpsAreCounted() {
    Harness h = new Harness(RetryPolicy.followUp(), BreakerPolicy.none(), 4, 0);
    h.settle(only(h.enqueue("f")), new Outcome.Permanent(0, "target gone"));
    assertEquals(1, h.engine.counters().dropped());
    assertEquals(0, h.engine.counters().deadLettered());
  }

  @Test
  void aHoldIsSeenWhileItLastsAndTheWakeComesWhenItEnds() {
    Harness h = new Harness(RetryPolicy.http(), 4, 0);
    assertFalse(h.engine.isHeld(h.now));
    Effect.Dispatch first = only(h.enqueue("a"));
    h.enqueue("b", HOUR);
    h.settle(first, LIMITED);
    assertTrue(h.engine.isHeld(h.now));
    List<Effect> late = h.enqueue("c");
    assertEquals(List.of(), dispatches(late));
    assertEquals(OptionalLong.of(h.now + 10 * SECOND), h.engine.wake(), "c is due now: wake when the hold ends");
    assertFalse(h.engine.isHeld(h.now + 10 * SECOND));
    assertEquals(List.of("c"), ids(h.at(h.now + 10 * SECOND)));
  }

  @Test
  void anAnswerThatHoldsTheDestinationOrIsPermanentTellsTheBreakerThePeerIsUp() {
    for (Outcome upAnswer : List.of(GONE, LIMITED)) {
      Harness h = new Harness(RetryPolicy.http(), 20, 0);
      List<Effect.Dispatch> out = new ArrayList<>();
      for (int i = 0; i < 11; i++) {
        out.add(only(h.enqueue("d" + i)));
      }
      for (int i = 0; i < 9; i++) {
        h.settle(out.get(i), FAIL);
      }
      h.settle(out.get(9), upAnswer);
      h.settle(out.get(10), FAIL);
      assertFalse(h.engine.isBreakerOpen(), "nine failures, an answer, one failure: not ten in a row (" + upAnswer + ")");
    }
  }

  @Test
  void whileTheProbeIsOutNothingElseGoesAndNothingWaitsOnTime() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    for (int i = 0; i < 10; i++) {
      h.settle(only(h.enqueue("d" + i)), FAIL);
    }
    long opened = h.now;
    Effect.Dispatch probe = only(h.at(opened + 60 * SECOND));
    assertEquals(OptionalLong.empty(), h.engine.wake(), "the probe's outcome decides, not time");
    assertEquals(List.of(), dispatches(h.enqueue("late")), "nothing else goes meanwhile");
    assertEquals(10, dispatches(h.settle(probe, OK)).size(), "closed: the others go");
  }

  @Test
  void theCoolOffEndingWithNothingDueClosesTheBreaker() {
    Harness h = new Harness(RetryPolicy.http(), 20, 0);
    List<Effect.Dispatch> out = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      out.add(only(h.enqueue("d" + i)));
    }
    for (Effect.Dispatch d : out) {
      h.settle(d, FAIL);
    }
    for (int i = 0; i < 10; i++) {
      h.cancel("d" + i);
    }
    assertTrue(h.engine.isBreakerOpen());
    h.at(h.now + 60 * SECOND);
    assertFalse(h.engine.isBreakerOpen(), "nothing to probe with: closed again");
    assertEquals(List.of("new"), ids(h.enqueue("new")));
  }

  @Test
  void aFailingBreakerWakesForWhatFallsDueWhileItIsOpen() {
    Harness h = new Harness(RetryPolicy.followUp(), BreakerPolicy.failing(1, Duration.ofSeconds(60)), 4, 0);
    h.settle(only(h.enqueue("a")), new Outcome.Transient(0, "TIMEOUT"));
    assertTrue(h.engine.isBreakerOpen());
    assertEquals(OptionalLong.of(h.now + 200), h.engine.wake(), "to fail it on its schedule, not at the cool-off's end");
  }

  @Test
  void aFullCapIsFreedByAnOutcomeNotByTimeSoNoWakeIsArmedForWhatWaits() {
    Harness h = new Harness(RetryPolicy.http(), 1, 0);
    Effect.Dispatch out = only(h.enqueue("a"));
    h.enqueue("b");
    assertEquals(OptionalLong.empty(), h.engine.wake());
    assertEquals(List.of("b"), ids(h.settle(out, OK)));
  }

  @Test
  void theWakeIsCancelledWhenNothingWaitsOnTime() {
    Harness h = new Harness();
    h.enqueue("a", HOUR);
    assertEquals(OptionalLong.of(h.now + HOUR), h.engine.wake());
    List<Effect> cancelled = h.cancel("a");
    assertTrue(cancelled.contains(new Effect.CancelWake()));
    assertEquals(OptionalLong.empty(), h.engine.wake());
    assertEquals(List.of(), of(Effect.CancelWake.class, h.at(h.now + 1)), "cancelled once");
  }

  @Test
  void aRedriveWaitsForTheWholeRedriveToBeStoredAndListsItsDeliveriesInItsOrder() {
    Harness h = new Harness(RetryPolicy.http(), 10, 0);
    for (String id : List.of("d3", "d1", "d2")) {
      h.settle(only(h.enqueue(id)), GONE);
    }
    h.holdWrites = true;
    List<Effect> redriven = h.apply(new Event.Redrive(List.of("d3", "d1", "d2", "d1"), 100, h.caller()));
    assertEquals(List.of(), dispatches(redriven), "nothing goes before the store has the redrive");
    assertEquals(OptionalLong.empty(), h.engine.wake(), "nor is anything waited for on time");
    assertEquals(List.of("d3", "d1", "d2"), h.engine.pending().stream().map(DeliveryStatus::id).toList(),
        "each once, in the order asked");
    assertEquals(3, of(Effect.Write.class, redriven).size());
    List<Effect> kept = h.keepHeld();
    assertEquals(3, h.lastAnswer());
    assertEquals(List.of("d3"), ids(kept), "the first at once, the rest at the rate");
    assertThrows(IllegalArgumentException.class, () -> new Event.Redrive(List.of(), 0, 1));
  }

  @Test
  void aRestoredWorkerNumbersNewDeliveriesAfterTheOnesItRestored() {
    Harness h = new Harness();
    StoredDelivery kept = new StoredDelivery(delivery("kept"), 41, 0, h.now + HOUR, 0, null, 0, 0);
    h.apply(new Event.Restore(new StoredState(List.of(kept), List.of())));
    h.enqueue("new", HOUR);
    assertEquals(List.of("kept", "new"), h.engine.pending().stream().map(DeliveryStatus::id).toList());
    assertEquals(List.of("kept", "new"), ids(h.at(h.now + HOUR)), "and at equal due times, in that order");
  }

  @Test
  void pendingIsListedInEnqueueOrder() {
    Harness h = new Harness();
    List<String> ids = new ArrayList<>();
    for (int i = 20; i > 0; i--) {
      ids.add("id-" + i);
      h.enqueue("id-" + i, HOUR);
    }
    assertEquals(ids, h.engine.pending().stream().map(DeliveryStatus::id).toList());
  }

  @Test
  void aRedrivenDeliveryAndAWaitingOneDueAtTheSameTimeGoInEnqueueOrder() {
    Harness h = new Harness(RetryPolicy.http(), 1, 0);
    h.settle(only(h.enqueue("x")), GONE);
    h.settle(only(h.enqueue("y")), GONE);
    Effect.Dispatch busy = only(h.enqueue("busy"));
    h.enqueue("waiting"); // before the redrive: it goes first
    h.apply(new Event.Redrive(List.of("x"), 1, h.caller()));
    Effect.Dispatch next = only(h.settle(busy, OK));
    assertEquals("waiting", next.delivery().id());
    assertEquals("x", only(h.settle(next, OK)).delivery().id());

    Harness other = new Harness(RetryPolicy.http(), 1, 0);
    other.settle(only(other.enqueue("x")), GONE);
    Effect.Dispatch out = only(other.enqueue("busy"));
    other.apply(new Event.Redrive(List.of("x"), 1, other.caller())); // before the enqueue: it goes first
    other.enqueue("waiting");
    assertEquals("x", only(other.settle(out, OK)).delivery().id());
  }

  @Test
  void aFailingBreakerFailsRedrivenDeliveriesOnTheirScheduleTooWithoutSpinning() {
    Harness h = new Harness(RetryPolicy.http().withSlots(List.of(Duration.ofSeconds(1))),
        BreakerPolicy.failing(1, Duration.ofSeconds(60)), 4, 0);
    h.settle(only(h.enqueue("gone")), GONE);
    h.settle(only(h.enqueue("busy")), FAIL); // opens the breaker
    assertTrue(h.engine.isBreakerOpen());
    h.holdWrites = true;
    List<Effect> redriven = h.apply(new Event.Redrive(List.of("gone"), 1, h.caller()));
    assertEquals(1, of(Effect.Write.class, redriven).size(), "only the redrive's write: nothing acts before it is kept");
    redriven = h.keepHeld();
    assertEquals(List.of(), dispatches(redriven), "nothing is sent while it is open");
    assertEquals(1, h.engine.status("gone").orElseThrow().attempts(), "failed at once, as an attempt, without spinning");
    assertEquals(List.of("busy", "gone"), of(Effect.DeadLettered.class, h.apply(new Event.Flush())).stream()
        .map(d -> d.letter().id()).sorted().toList(), "out of its pace, on its own schedule: flushed, it fails again and"
        + " ends, as the other does");
  }

  @Test
  void withAFailingBreakerOpenARedriveStillTakesItsTurnsAtItsRate() {
    Harness h = new Harness(RetryPolicy.http().withSlots(List.of(Duration.ofHours(1))),
        BreakerPolicy.failing(1, Duration.ofHours(1)), 4, 0);
    for (String id : List.of("r1", "r2", "r3")) {
      h.settle(only(h.enqueue(id)), GONE);
    }
    h.settle(only(h.enqueue("busy")), FAIL); // opens the breaker for an hour
    long start = h.now;
    h.apply(new Event.Redrive(List.of(), 2, h.caller()));
    assertEquals(List.of(1, 0, 0), attempts(h, "r1", "r2", "r3"), "the first takes its turn at once");
    h.at(start + 499);
    assertEquals(List.of(1, 0, 0), attempts(h, "r1", "r2", "r3"), "the next not before half a second");
    h.at(start + 500);
    assertEquals(List.of(1, 1, 0), attempts(h, "r1", "r2", "r3"));
    h.at(start + 1000);
    assertEquals(List.of(1, 1, 1), attempts(h, "r1", "r2", "r3"));
    assertEquals(List.of(start + HOUR, start + 500 + HOUR, start + 1000 + HOUR),
        List.of(due(h, "r1"), due(h, "r2"), due(h, "r3")), "their retries keep the rate's spacing");
  }

  private static List<Integer> attempts(Harness h, String... ids) {
    List<Integer> attempts = new ArrayList<>();
    for (String id : ids) {
      attempts.add(h.engine.status(id).orElseThrow().attempts());
    }
    return attempts;
  }

  private static long due(Harness h, String id) {
    return h.engine.status(id).orElseThrow().dueMillis();
  }
}
