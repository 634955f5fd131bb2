package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.delivery.engine.Harness.FAIL;
import static org.vertxotp.delivery.engine.Harness.OK;
import static org.vertxotp.delivery.engine.Harness.SECOND;
import static org.vertxotp.delivery.engine.Harness.dispatches;
import static org.vertxotp.delivery.engine.Harness.ids;
import static org.vertxotp.delivery.engine.Harness.of;
import static org.vertxotp.delivery.engine.Harness.only;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;

/**
 * The engine and its store never disagree for long: a call is answered once the store kept what
 * it changed, or refused and undone; an outcome's change is written until it is kept; nothing is
 * sent or announced before the store has it.
 */
class EngineStoreTest {

  @Test
  void anEnqueueIsNeitherSentNorAnsweredBeforeTheStoreKeepsIt() {
    Harness h = new Harness();
    h.holdWrites = true;
    List<Effect> enqueued = h.enqueue("a");
    assertEquals(List.of(), dispatches(enqueued));
    assertNull(h.lastAnswer());
    assertEquals(1, h.engine.unstoredCount());
    List<Effect> kept = h.keepHeld();
    assertEquals(true, h.lastAnswer());
    assertEquals(List.of("a"), ids(kept));
    assertEquals(0, h.engine.unstoredCount());
  }

  @Test
  void anEnqueueTheStoreFailsIsRefusedTakenBackAndTheDeadLetterItReplacedComesBack() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), new Outcome.Permanent(410, "HTTP 410"));
    h.failNext = 1;
    List<Effect> refused = h.enqueue("a");
    assertEquals(new Harness.Refused("the delivery store failed: disk full"), h.lastAnswer());
    assertEquals(List.of(), dispatches(refused), "nothing sent");
    assertFalse(h.engine.isPending("a"));
    assertEquals(List.of("a"), h.engine.deadLetters().stream().map(l -> l.id()).toList(), "a dead letter again");
    assertInstanceOf(Record.Dead.class, h.store.get("a"), "the store never lost it");
    h.at(h.now + SECOND); // the undo is written too, whatever the failed write left
    assertInstanceOf(Record.Dead.class, h.store.get("a"));
    assertEquals(0, h.engine.unstoredCount());
  }

  @Test
  void aSecondCallOfAnIdWaitsForTheFirstAndIsThenMadeAsIfItCameAfter() {
    Harness h = new Harness();
    h.holdWrites = true;
    h.enqueue("a");
    long first = 1;
    List<Effect> second = h.enqueue("a");
    assertEquals(List.of(), of(Effect.Write.class, second), "held back: nothing written for it yet");
    assertNull(h.answers.get(2L), "not answered before the first is");
    h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.answers.get(first));
    assertEquals(true, h.answers.get(2L), "the first refused, the second is a new enqueue of its own, and kept");
    assertTrue(h.engine.isPending("a"));

    Harness kept = new Harness();
    kept.holdWrites = true;
    kept.enqueue("a");
    kept.enqueue("a");
    kept.keepHeld();
    assertEquals(true, kept.answers.get(1L));
    assertEquals(false, kept.answers.get(2L), "the first kept: the second is a duplicate");
  }

  @Test
  void anEnqueueOfADeadLetterAndACancelOfItBothRefusedLeaveTheDeadLetterInWhicheverOrderTheStoreAnswers() {
    for (boolean newestFirst : new boolean[] {false, true}) {
      Harness h = new Harness();
      h.settle(only(h.enqueue("a")), new Outcome.Permanent(410, "HTTP 410"));
      h.holdWrites = true;
      h.enqueue("a"); // replaces the dead letter
      h.cancel("a"); // held back behind it
      if (newestFirst) {
        h.failHeldNewestFirst();
      } else {
        h.failHeld();
      }
      assertInstanceOf(Harness.Refused.class, h.answers.get(2L), "the enqueue (" + newestFirst + ")");
      assertEquals(false, h.answers.get(3L), "the cancel came after it: nothing pending to cancel");
      assertEquals(List.of("a"), h.engine.deadLetters().stream().map(l -> l.id()).toList(), "a dead letter again");
      h.at(h.now + SECOND);
      assertInstanceOf(Record.Dead.class, h.store.get("a"));
    }
  }

  @Test
  void aCancelAndAnEnqueueOfItBothRefusedLeaveTheDeliveryPending() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    h.holdWrites = true;
    h.cancel("a");
    h.enqueue("a"); // held back behind the cancel
    h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.answers.get(2L), "the cancel");
    assertEquals(false, h.answers.get(3L), "then the enqueue: it is pending again, a duplicate");
    assertTrue(h.engine.isPending("a"), "a refused cancel leaves it going");
    h.at(h.now + SECOND);
    assertInstanceOf(Record.Pending.class, h.store.get("a"));
  }

  @Test
  void aCancelTheStoreFailsIsRefusedAndTheDeliveryGoesOnAsItWas() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("a")), FAIL);
    long due = h.engine.status("a").orElseThrow().dueMillis();
    h.failNext = 1;
    h.cancel("a");
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    assertTrue(h.engine.isPending("a"), "not cancelled: pending, as the caller was told");
    assertEquals(1, h.engine.status("a").orElseThrow().attempts());
    assertEquals(due, h.engine.status("a").orElseThrow().dueMillis());
    h.at(h.now + SECOND);
    assertInstanceOf(Record.Pending.class, h.store.get("a"), "written back, whatever the failed removal left");
    assertEquals(2, only(h.at(due)).attempt(), "and sent when due, its second attempt");
  }

  @Test
  void aCancelledAttemptThatTheUndoRestoresCountsAgain() {
    Harness h = new Harness();
    Effect.Dispatch out = only(h.enqueue("a"));
    h.failNext = 1;
    h.cancel("a");
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    h.at(h.now + SECOND);
    h.settle(out, OK);
    assertFalse(h.engine.isPending("a"), "its attempt delivered it");
    assertEquals(new Record.Gone(), h.store.get("a"));
  }

  @Test
  void aDeliveredWhoseRemovalTheStoreFailsIsWrittenAgainUntilKept() {
    Harness h = new Harness();
    Effect.Dispatch out = only(h.enqueue("a"));
    h.failNext = 3;
    h.settle(out, OK);
    assertInstanceOf(Record.Pending.class, h.store.get("a"), "the store still has it");
    assertEquals(1, h.engine.unstoredCount());
    assertEquals(OptionalLong.of(h.now + SECOND), h.engine.wake(), "written again after a second");
    h.at(h.now + SECOND); // fails again: then two seconds
    assertEquals(OptionalLong.of(h.now + 2 * SECOND), h.engine.wake());
    h.at(h.now + 2 * SECOND); // fails again: then five
    assertEquals(OptionalLong.of(h.now + 5 * SECOND), h.engine.wake());
    h.at(h.now + 5 * SECOND);
    assertEquals(new Record.Gone(), h.store.get("a"));
    assertEquals(0, h.engine.unstoredCount());
    assertEquals(OptionalLong.empty(), h.engine.wake(), "nothing left to write");
  }

  @Test
  void aDeadLetterIsAnnouncedOnceAndOnlyOnceTheStoreKeepsIt() {
    Harness h = new Harness();
    Effect.Dispatch out = only(h.enqueue("a"));
    h.failNext = 1;
    List<Effect> ended = h.settle(out, new Outcome.Permanent(410, "HTTP 410"));
    assertEquals(List.of(), of(Effect.DeadLettered.class, ended), "not announced before it is stored");
    List<Effect> retried = h.at(h.now + SECOND);
    assertEquals(1, of(Effect.DeadLettered.class, retried).size());
    assertInstanceOf(Record.Dead.class, h.store.get("a"));
    assertEquals(List.of(), of(Effect.DeadLettered.class, h.at(h.now + 60 * SECOND)));
  }

  @Test
  void aDropIsAnnouncedOnlyOnceTheStoreForgotTheDelivery() {
    Harness h = new Harness(RetryPolicy.followUp(), org.vertxotp.delivery.BreakerPolicy.none(), 4, 0);
    Effect.Dispatch out = only(h.enqueue("f"));
    h.failNext = 1;
    assertEquals(List.of(), of(Effect.Dropped.class, h.settle(out, new Outcome.Permanent(0, "target gone"))));
    assertEquals(1, of(Effect.Dropped.class, h.at(h.now + SECOND)).size());
    assertEquals(new Record.Gone(), h.store.get("f"));
  }

  @Test
  void aRetryIsNotSentBeforeItsNewScheduleIsKept() {
    Harness h = new Harness();
    Effect.Dispatch out = only(h.enqueue("a"));
    long due = h.now + 30 * SECOND;
    h.failNext = 100;
    h.settle(out, FAIL);
    assertEquals(List.of(), dispatches(h.at(due)), "due, but the store does not have its attempt yet");
    h.failNext = 0;
    List<Effect> kept = h.at(h.now + 30 * SECOND); // the next retry of the write
    assertEquals(List.of("a"), ids(kept), "sent once kept");
    assertEquals(2, only(kept).attempt());
  }

  @Test
  void aRedriveTheStoreKeepsOnlyPartOfIsRefusedAndTakenBackWholly() {
    Harness h = new Harness(RetryPolicy.http(), 10, 0);
    for (String id : List.of("a", "b", "c")) {
      h.settle(only(h.enqueue(id)), new Outcome.Permanent(410, "HTTP 410"));
    }
    h.holdWrites = true;
    h.apply(new Event.Redrive(List.of(), 100, h.caller()));
    List<Effect.Write> writes = List.copyOf(h.held);
    h.held.clear();
    h.holdWrites = false;
    List<Effect> all = new java.util.ArrayList<>();
    all.addAll(h.apply(new Event.Written(writes.get(0).id(), writes.get(0).version())));
    all.addAll(h.apply(new Event.WriteFailed(writes.get(1).id(), writes.get(1).version(), "disk full")));
    all.addAll(h.apply(new Event.Written(writes.get(2).id(), writes.get(2).version())));
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    assertEquals(List.of(), dispatches(all), "none of them went out");
    assertEquals(List.of("a", "b", "c"), h.engine.deadLetters().stream().map(l -> l.id()).sorted().toList());
    h.at(h.now + SECOND);
    for (String id : List.of("a", "b", "c")) {
      assertInstanceOf(Record.Dead.class, h.store.get(id), id + " is a dead letter in the store too");
    }
    assertEquals(0, h.engine.unstoredCount());
  }

  @Test
  void aCancelMadeWhileTheEnqueueIsWrittenWaitsForItAndFindsNothingIfTheEnqueueIsRefused() {
    Harness h = new Harness();
    h.holdWrites = true;
    h.enqueue("a");
    long enqueue = 1;
    h.cancel("a");
    long cancel = 2;
    assertEquals(1, h.held.size(), "the cancel is held back, not written");
    h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.answers.get(enqueue));
    assertEquals(false, h.answers.get(cancel), "nothing was pending by then");
    assertFalse(h.engine.isPending("a"));
    h.at(h.now + SECOND);
    assertEquals(new Record.Gone(), h.store.get("a"), "what the failed write may have left is written over");
    assertEquals(0, h.engine.unstoredCount());
    assertEquals(List.of("a"), ids(h.enqueue("a")), "enqueued again, it is new and goes");
  }

  @Test
  void aRefusedCancelOfARedrivenDeliveryNotStartedYetLeavesItToStartAtTheRate() {
    Harness h = new Harness(RetryPolicy.http(), 10, 0);
    for (String id : List.of("r1", "r2")) {
      h.settle(only(h.enqueue(id)), new Outcome.Permanent(410, "HTTP 410"));
    }
    long start = h.now;
    assertEquals(List.of("r1"), ids(h.apply(new Event.Redrive(List.of(), 1, h.caller()))));
    h.failNext = 1;
    h.cancel("r2");
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    assertEquals(List.of(), dispatches(h.at(start + 999)), "not before its turn");
    assertEquals(List.of("r2"), ids(h.at(start + SECOND)), "still paced, and it goes");
  }

  @Test
  void anAttemptThatCameBackWhileItsCancelWasRefusedCountsAfterAll() {
    Harness h = new Harness();
    Effect.Dispatch out = only(h.enqueue("a"));
    h.holdWrites = true;
    h.cancel("a");
    List<Effect> back = h.settle(out, OK); // delivered, while the cancel is being written
    assertEquals(List.of(), of(Effect.Write.class, back), "withdrawn: it tells nothing yet");
    List<Effect> refused = h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    assertEquals(List.of(), dispatches(refused), "not sent again: its attempt delivered it");
    assertFalse(h.engine.isPending("a"));
    assertEquals(1, h.engine.counters().delivered());
    h.at(h.now + SECOND);
    assertEquals(new Record.Gone(), h.store.get("a"));
  }

  @Test
  void aLateOutcomeCountsAsOfWhenItCameBackAndTellsTheBreakerNothing() {
    Harness h = new Harness(RetryPolicy.http(), org.vertxotp.delivery.BreakerPolicy.holding(1, java.time.Duration.ofMinutes(1)),
        4, 0);
    Effect.Dispatch out = only(h.enqueue("a"));
    h.holdWrites = true;
    h.cancel("a");
    long back = h.now;
    h.settle(out, new Outcome.Transient(429, "HTTP 429", java.util.OptionalLong.of(60 * SECOND)));
    h.now += 30 * SECOND; // the cancel's write fails half a minute later
    h.failHeld();
    assertTrue(h.engine.isPending("a"));
    assertEquals(back + 60 * SECOND, h.engine.status("a").orElseThrow().dueMillis(), "its wait counts from when it came back");
    assertEquals(back, h.engine.pending().get(0).dueMillis() - 60 * SECOND);
    assertTrue(h.engine.isHeld(h.now), "the hold it asked for, from then");
    assertFalse(h.engine.isHeld(back + 60 * SECOND));
    assertFalse(h.engine.isBreakerOpen(), "a late outcome is not a failure in a row");
  }

  @Test
  void aRedriveStaysOpenOnEveryIdUntilItIsAnsweredSoACallOfOneOfThemWaitsForAll() {
    Harness h = new Harness(RetryPolicy.http(), 10, 0);
    for (String id : List.of("x", "y")) {
      h.settle(only(h.enqueue(id)), new Outcome.Permanent(410, "HTTP 410"));
    }
    h.holdWrites = true;
    h.apply(new Event.Redrive(List.of(), 100, h.caller()));
    long redrive = 3;
    List<Effect.Write> writes = List.copyOf(h.held);
    h.held.clear();
    h.holdWrites = false;
    h.apply(new Event.Written(writes.get(0).id(), writes.get(0).version())); // x kept, y not yet
    List<Effect> cancel = h.cancel("x");
    long cancelX = 4;
    List<Effect> enqueue = h.enqueue("x");
    long enqueueX = 5;
    assertEquals(List.of(), of(Effect.Write.class, cancel), "held back: the redrive is not answered yet");
    assertEquals(List.of(), of(Effect.Write.class, enqueue));
    h.apply(new Event.WriteFailed(writes.get(1).id(), writes.get(1).version(), "disk full"));
    assertInstanceOf(Harness.Refused.class, h.answers.get(redrive));
    assertEquals(false, h.answers.get(cancelX), "the redrive was taken back wholly: x is a dead letter, nothing to cancel");
    assertEquals(true, h.answers.get(enqueueX), "then enqueued anew, replacing its dead letter");
    assertEquals(List.of("y"), h.engine.deadLetters().stream().map(l -> l.id()).toList());
    assertTrue(h.engine.isPending("x"));
  }

  @Test
  void aDuplicateOfADeliveryTheStoreDoesNotHaveAsItIsWaitsUntilItDoes() {
    Harness h = new Harness();
    h.settle(only(h.enqueue("x")), FAIL);
    h.failNext = 2; // the cancel's write, then the undo's
    h.cancel("x");
    assertInstanceOf(Harness.Refused.class, h.lastAnswer());
    assertTrue(h.engine.isPending("x"));
    h.enqueue("x");
    assertNull(h.lastAnswer(), "the store may hold what the failed cancel left: not answered before it has x again");
    h.at(h.now + 2 * SECOND); // x's second write failure in a row: written again two seconds later
    assertEquals(false, h.lastAnswer(), "a duplicate, once x is stored as it is");
    assertInstanceOf(Record.Pending.class, h.store.get("x"));
  }
}
