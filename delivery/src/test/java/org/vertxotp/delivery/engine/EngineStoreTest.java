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
  void aDuplicateEnqueueWaitsForTheFirstWriteAndIsRefusedWithItIfTheStoreFailsIt() {
    Harness h = new Harness();
    h.holdWrites = true;
    h.enqueue("a");
    long first = 1;
    h.enqueue("a");
    long second = 2;
    assertNull(h.answers.get(second), "not answered before the first is stored");
    h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.answers.get(first));
    assertInstanceOf(Harness.Refused.class, h.answers.get(second), "what it said was pending never was");
    assertFalse(h.engine.isPending("a"));
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
  void anEnqueueAndACancelOfItBothRefusedLeaveNothingPendingAndTheStoreEmptyOfIt() {
    Harness h = new Harness();
    h.holdWrites = true;
    h.enqueue("a");
    long enqueue = 1;
    h.cancel("a");
    long cancel = 2;
    h.failHeld();
    assertInstanceOf(Harness.Refused.class, h.answers.get(enqueue));
    assertInstanceOf(Harness.Refused.class, h.answers.get(cancel));
    assertFalse(h.engine.isPending("a"), "its enqueue was refused: the refused cancel does not bring it back");
    h.at(h.now + SECOND);
    assertEquals(new Record.Gone(), h.store.get("a"), "what the failed writes may have left is written over");
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
    h.at(start + 999);
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
}
