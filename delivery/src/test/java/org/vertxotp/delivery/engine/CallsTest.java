package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.Delivery;

/** The books of calls waiting for the store, as a table: kept whole, failed whole, never told twice. */
class CallsTest {

  private static Calls.Undo made(String id) {
    return new Calls.Created(new Entry(new Delivery(id, "https://peer.example/inbox", new JsonObject()), 1, 0, false));
  }

  @Test
  void aCallIsKeptOnceEveryChangeOfItIsAndFailsWholeWhenOneFails() {
    Calls calls = new Calls();
    Calls.Group redrive = calls.open(1, 3);
    calls.add(redrive, "a", 10, made("a"));
    calls.add(redrive, "b", 11, made("b"));
    calls.add(redrive, "c", 12, made("c"));
    Calls.Group cancelC = calls.open(3, true);
    calls.add(cancelC, "c", 13, made("c"));
    assertEquals(4, calls.waiting());
    assertTrue(calls.busy("a") && calls.busy("b") && calls.busy("c"));
    assertEquals(List.of(), calls.kept("a", 10), "b and c still wait");
    assertTrue(calls.busy("a"), "a's change is kept, but the call that made it is not answered yet");
    assertEquals(3, calls.waiting());
    assertEquals(List.of(), calls.kept("b", 10), "an older version of b does not keep the change at 11");
    assertEquals(List.of(redrive), calls.failed("b", 11));
    assertEquals(1, calls.waiting(), "a failed call waits for nothing more; the cancel of c still does");
    assertFalse(calls.busy("a") || calls.busy("b"), "answered: its ids are free");
    assertTrue(calls.busy("c"), "the cancel of c is not answered yet");
    assertEquals(List.of(), calls.kept("c", 12), "the failed one is not kept afterwards");
    assertEquals(List.of(cancelC), calls.kept("c", 13));
    assertEquals(List.of(), calls.failed("c", 13), "told once");
    assertFalse(calls.busy("c"));
  }

  @Test
  void aLaterVersionKeptKeepsTheChangesBeforeItButALaterOneFailedFailsOnlyItsOwn() {
    Calls calls = new Calls();
    Calls.Group first = calls.open(1, true);
    calls.add(first, "x", 5, made("x"));
    Calls.Group second = calls.open(2, true);
    calls.add(second, "x", 6, made("x"));
    assertEquals(List.of(second), calls.failed("x", 6), "version 6 failed: only its own call");
    assertEquals(List.of(first), calls.kept("x", 5), "version 5 answers for itself");

    Calls.Group third = calls.open(3, true);
    calls.add(third, "y", 7, made("y"));
    Calls.Group fourth = calls.open(4, true);
    calls.add(fourth, "y", 8, made("y"));
    List<Calls.Group> kept = calls.kept("y", 8);
    assertEquals(2, kept.size(), "the store holds version 8, which carries 7's change or what replaced it");
    assertSame(third, kept.get(0));
    assertEquals(0, calls.waiting());
  }
}
