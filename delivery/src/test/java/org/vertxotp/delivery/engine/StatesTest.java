package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;

/** The engine's small states, each as a table: breaker, hold, pace, due queue, store sync and its backoff. */
class StatesTest {

  private static Entry entry(String id, long sequence, long due) {
    return new Entry(new Delivery(id, "https://peer.example/inbox", new JsonObject()), sequence, due, true);
  }

  @Test
  void theBreakerGoesClosedOpenProbingAndBackAsItsTableSays() {
    Breaker breaker = new Breaker(BreakerPolicy.holding(3, Duration.ofSeconds(10)));
    assertEquals(new Breaker.Closed(0), breaker.state());
    breaker.failed(1, 0);
    breaker.failed(2, 0);
    assertEquals(new Breaker.Closed(2), breaker.state());
    breaker.answered();
    assertEquals(new Breaker.Closed(0), breaker.state(), "an answer resets the count");
    breaker.failed(3, 100);
    breaker.failed(4, 100);
    breaker.failed(5, 100);
    assertEquals(new Breaker.Open(10_100), breaker.state(), "the third in a row opens it");
    breaker.failed(6, 5_000);
    assertEquals(new Breaker.Open(10_100), breaker.state(), "an attempt already out does not lengthen the cool-off");
    assertFalse(breaker.mayProbe(10_099));
    assertTrue(breaker.mayProbe(10_100));
    breaker.probing(7);
    assertEquals(new Breaker.Probing(7), breaker.state());
    breaker.failed(8, 10_200);
    assertEquals(new Breaker.Probing(7), breaker.state(), "only the probe decides");
    breaker.failed(7, 10_300);
    assertEquals(new Breaker.Open(20_300), breaker.state(), "a failed probe opens it again");
    breaker.probing(9);
    breaker.withdrawn(10, 20_400);
    assertEquals(new Breaker.Probing(9), breaker.state(), "another attempt withdrawn tells nothing");
    breaker.withdrawn(9, 20_400);
    assertEquals(new Breaker.Open(20_400), breaker.state(), "a withdrawn probe: probe again at once");
    breaker.nothingToProbe();
    assertEquals(new Breaker.Closed(0), breaker.state());
    assertTrue(breaker.isClosed());
    assertFalse(breaker.failsWhileOpen());
    assertTrue(new Breaker(BreakerPolicy.failing(1, Duration.ZERO)).failsWhileOpen());
  }

  @Test
  void noBreakerNeverOpens() {
    Breaker none = new Breaker(BreakerPolicy.none());
    for (int i = 1; i <= 100; i++) {
      none.failed(i, i);
    }
    assertTrue(none.isClosed());
    assertFalse(BreakerPolicy.none().isEnabled());
    assertEquals("BreakerPolicy[none]", BreakerPolicy.none().toString());
    BreakerPolicy http = BreakerPolicy.http();
    assertTrue(http.isEnabled());
    assertEquals(10, http.threshold());
    assertEquals(Duration.ofSeconds(60), http.coolOff());
    assertEquals(BreakerPolicy.WhileOpen.HOLD, http.whileOpen());
    assertEquals("BreakerPolicy[10 failures, PT1M, HOLD]", http.toString());
    assertEquals(BreakerPolicy.WhileOpen.FAIL, BreakerPolicy.failing(1, Duration.ZERO).whileOpen());
    assertThrows(IllegalArgumentException.class, () -> BreakerPolicy.holding(0, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> BreakerPolicy.holding(1, Duration.ofSeconds(-1)));
  }

  @Test
  void saturatingArithmeticKeepsFarTimesFarInsteadOfWrappingAround() {
    assertEquals(5, Millis.plus(2, 3));
    assertEquals(3, Millis.plus(1, 2));
    assertEquals(0, Millis.plus(0, 0));
    assertEquals(2, Millis.minus(3, 1));
    assertEquals(0, Millis.minus(0, 0));
    assertEquals(Long.MAX_VALUE, Millis.minus(0, Long.MIN_VALUE), "zero minus the least long overflows upwards");
    assertEquals(-1, Millis.plus(2, -3));
    assertEquals(Long.MAX_VALUE, Millis.plus(Long.MAX_VALUE - 1, 2));
    assertEquals(Long.MIN_VALUE, Millis.plus(Long.MIN_VALUE + 1, -2));
    assertEquals(Long.MAX_VALUE, Millis.plus(Long.MAX_VALUE, 0));
    assertEquals(-1, Millis.minus(2, 3));
    assertEquals(5, Millis.minus(2, -3));
    assertEquals(Long.MAX_VALUE, Millis.minus(Long.MAX_VALUE, -1));
    assertEquals(Long.MIN_VALUE, Millis.minus(Long.MIN_VALUE, 1));
    assertEquals(Long.MAX_VALUE - 1, Millis.minus(Long.MAX_VALUE, 1));
    assertEquals(0, Millis.minus(Long.MIN_VALUE, Long.MIN_VALUE));
  }

  @Test
  void aHoldLastsUntilItsTimeAndOnlyGrows() {
    DestinationHold hold = new DestinationHold();
    assertFalse(hold.holds(0));
    hold.until(1_000);
    assertTrue(hold.holds(999));
    hold.until(500);
    assertEquals(1_000, hold.untilMillis(), "a shorter request does not cut a longer one");
    hold.until(2_000);
    assertTrue(hold.holds(1_999));
    assertFalse(hold.holds(2_000));
    hold.until(1_500);
    assertTrue(hold.holds(1_499), "a new hold after one ended");
    assertFalse(hold.holds(1_500));
  }

  @Test
  void aPaceSpacesStartsByItsIntervalWhateverHeldThemAndDropsWhatWasTakenBack() {
    RedrivePace pace = new RedrivePace(3);
    assertEquals(334, pace.intervalMillis(), "rounded up: never more than three in a second");
    assertEquals(1, new RedrivePace(1000).intervalMillis());
    assertEquals(2_000, new RedrivePace(0.5).intervalMillis());
    assertThrows(IllegalArgumentException.class, () -> new RedrivePace(0));
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Entry e = entry("r" + i, i, 100);
      entries.add(e);
      pace.add(e);
    }
    assertSame(entries.get(0), pace.head());
    assertEquals(100, pace.readyAtMillis(entries.get(0)), "the first may start when due");
    pace.started(5_000); // held back long: it starts late
    assertNull(entries.get(0).pace);
    assertEquals(5_334, pace.readyAtMillis(pace.head()), "the next no sooner than the interval after it");
    entries.get(1).generation++; // taken back (cancelled)
    assertSame(entries.get(2), pace.head(), "a taken-back one is skipped");
    pace.started(6_000);
    assertEquals(6_334, pace.readyAtMillis(pace.head()));
    pace.started(6_334);
    assertTrue(pace.isDone());
  }

  @Test
  void theDueQueueGivesTheEarliestDueThenTheFirstEnqueuedAndSkipsStaleSlots() {
    DueQueue queue = new DueQueue();
    assertEquals(Long.MAX_VALUE, queue.headDueMillis());
    Entry late = entry("late", 1, 300);
    Entry tieFirst = entry("tie-first", 2, 100);
    Entry tieSecond = entry("tie-second", 3, 100);
    for (Entry e : List.of(late, tieSecond, tieFirst)) {
      queue.add(e, 3);
    }
    assertSame(tieFirst, queue.head());
    assertEquals(100, queue.headDueMillis());
    assertNull(queue.pollDue(99), "not due yet");
    tieFirst.invalidate(); // cancelled
    assertSame(tieSecond, queue.head());
    tieSecond.ticket = 5; // sent
    assertSame(late, queue.head());
    late.dueMillis = 50; // a due time changed without requeueing counts for nothing
    assertNull(queue.pollDue(60), "it was queued for 300");
    queue.add(late, 3); // requeued earlier: its old slot is stale
    assertEquals(50, queue.headDueMillis());
    assertSame(late, queue.pollDue(50));
    assertNull(queue.head());
    assertEquals(0, queue.slots(), "stale slots were dropped on the way");
  }

  @Test
  void theDueQueueSweepsStaleSlotsOnceTheyOutnumberTheLiveOnesPastSixtyFour() {
    DueQueue queue = new DueQueue();
    Entry live = entry("live", 0, 1_000);
    queue.add(live, 1);
    for (int i = 1; i < 64; i++) {
      Entry gone = entry("gone" + i, i, 2_000);
      queue.add(gone, 1);
      gone.invalidate();
    }
    assertEquals(64, queue.slots(), "not past sixty-four: kept");
    Entry another = entry("another", 64, 3_000);
    queue.add(another, 2);
    assertEquals(2, queue.slots(), "past sixty-four and more than twice the live ones: swept");
    for (int i = 0; i < 63; i++) {
      Entry gone = entry("again" + i, 100 + i, 2_000);
      queue.add(gone, 40);
      gone.invalidate();
    }
    assertEquals(65, queue.slots(), "past sixty-four but not twice the forty that could be live: kept");
    for (int i = 0; i < 15; i++) {
      Entry gone = entry("more" + i, 200 + i, 2_000);
      queue.add(gone, 40);
      gone.invalidate();
    }
    assertEquals(80, queue.slots(), "twice the live ones, not more: kept");
    queue.add(entry("last", 300, 2_000), 40);
    assertEquals(3, queue.slots(), "more than twice: swept");
  }

  @Test
  void theStoreRetryWaitsOneTwoFiveTenThenThirtySecondsAndRepeatsTheLast() {
    long[] expected = {1_000, 2_000, 5_000, 10_000, 30_000, 30_000, 30_000};
    for (int failures = 1; failures <= expected.length; failures++) {
      assertEquals(expected[failures - 1], StoreBackoff.millis(failures), failures + " failures in a row");
    }
  }

  @Test
  void storeSyncWritesEveryChangeAtOnceIsSyncedByTheLatestAndRetriesTheLatestIfItFailed() {
    StoreSync sync = new StoreSync(id -> new Record.Gone());
    List<Effect> effects = new ArrayList<>();
    long v1 = sync.changed("a", effects);
    long v2 = sync.changed("a", effects);
    assertEquals(List.of(new Effect.Write("a", v1, new Record.Gone()), new Effect.Write("a", v2, new Record.Gone())), effects,
        "each change written at once: the store applies them in order");
    effects.clear();
    sync.announceWhenKept("a", new Effect.CancelWake());
    assertFalse(sync.kept("a", v1, effects), "the latest is still out");
    assertEquals(List.of(), effects, "the announcement waits for the version it was made at");
    sync.failed("a", v1, 10_000);
    assertFalse(sync.retryArmed(), "an older write's failure changes nothing: the later one carries everything");
    sync.failed("a", v2, 10_000);
    assertTrue(sync.retryArmed());
    assertEquals(11_000, sync.retryAtMillis());
    sync.retryIfDue(10_999, effects);
    assertEquals(List.of(), effects, "not before the retry");
    sync.retryIfDue(11_000, effects);
    assertEquals(List.of(new Effect.Write("a", v2, new Record.Gone())), effects, "the latest is written again");
    effects.clear();
    sync.failed("a", v2, 11_000);
    assertEquals(13_000, sync.retryAtMillis(), "two failures in a row: two seconds");
    long v3 = sync.changed("a", effects);
    assertEquals(List.of(new Effect.Write("a", v3, new Record.Gone())), effects, "a new change is a new try, at once");
    effects.clear();
    sync.retryIfDue(13_000, effects);
    assertEquals(List.of(), effects, "nothing failed waits for the retry any more");
    assertFalse(sync.isSynced("a"));
    assertTrue(sync.kept("a", v3, effects));
    assertEquals(List.of(new Effect.CancelWake()), effects, "announced once a version at least as new was kept");
    assertTrue(sync.isSynced("a"));
    assertEquals(0, sync.unsyncedCount());
    long v4 = sync.changed("a", effects);
    sync.announceWhenKept("a", new Effect.Answer(4, "four"));
    long v5 = sync.changed("a", effects);
    sync.announceWhenKept("a", new Effect.Answer(5, "five"));
    effects.clear();
    assertFalse(sync.kept("a", v4, effects));
    assertEquals(List.of(new Effect.Answer(4, "four")), effects, "what was announced at or before the version kept");
    effects.clear();
    assertTrue(sync.kept("a", v5, effects));
    assertEquals(List.of(new Effect.Answer(5, "five")), effects, "an announcement goes once");
    sync.failed("a", v3, 20_000);
    assertFalse(sync.retryArmed(), "a report of an id synced since changes nothing");

    long b = sync.changed("b", effects);
    long c = sync.changed("c", effects);
    sync.failed("b", b, 30_000);
    sync.failed("c", c, 30_500);
    effects.clear();
    sync.retryIfDue(31_000, effects);
    assertEquals(List.of(new Effect.Write("b", b, new Record.Gone())), effects, "each id on its own backoff");
    assertEquals(31_500, sync.retryAtMillis(), "the next is c's");
    sync.failed("b", b, 31_000);
    assertEquals(31_500, sync.retryAtMillis());
    assertTrue(sync.kept("c", c, effects), "a report that contradicts the failure is taken at its word");
    assertTrue(sync.retryArmed(), "b still waits");
    effects.clear();
    sync.retryIfDue(33_000, effects);
    assertEquals(List.of(new Effect.Write("b", b, new Record.Gone())), effects, "b's second failure: two seconds");
    assertTrue(sync.kept("b", b, effects));
    assertFalse(sync.retryArmed());
    assertThrows(IllegalStateException.class, () -> sync.announceWhenKept("a", new Effect.CancelWake()));
  }
}
