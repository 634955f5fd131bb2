package org.vertxotp.delivery.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The books of calls waiting for the store, as a table: kept whole, failed whole, never told twice. */
class CallsTest {

  @Test
  void aCallIsKeptOnceEveryChangeOfItIsAndFailsWholeWhenOneFails() {
    Calls calls = new Calls();
    Calls.Group redrive = calls.open(1, 3);
    calls.add(redrive, "a", 10, new Calls.Nothing());
    calls.add(redrive, "b", 11, new Calls.Nothing());
    calls.add(redrive, "c", 12, new Calls.Nothing());
    Calls.Group duplicate = calls.open(2, false);
    calls.add(duplicate, "a", 10, new Calls.Nothing());
    Calls.Group cancelC = calls.open(3, true);
    calls.add(cancelC, "c", 13, new Calls.Nothing());
    assertEquals(5, calls.waiting());
    assertEquals(List.of(duplicate), calls.kept("a", 10), "the duplicate waited for a alone");
    assertEquals(List.of(), calls.kept("a", 10), "told once");
    assertEquals(3, calls.waiting());
    assertEquals(List.of(), calls.kept("b", 10), "an older version of b does not keep the change at 11");
    assertEquals(List.of(redrive), calls.failed("b", 11));
    assertEquals(1, calls.waiting(), "a failed call waits for nothing more; the cancel of c still does");
    assertEquals(List.of(), calls.kept("c", 12), "the failed one is not kept afterwards");
    assertEquals(List.of(cancelC), calls.kept("c", 13));
    assertEquals(List.of(), calls.failed("c", 13));
  }

  @Test
  void aLaterVersionKeptKeepsTheChangesBeforeIt() {
    Calls calls = new Calls();
    Calls.Group enqueue = calls.open(1, true);
    calls.add(enqueue, "x", 5, new Calls.Nothing());
    Calls.Group cancel = calls.open(2, true);
    calls.add(cancel, "x", 6, new Calls.Nothing());
    List<Calls.Group> kept = calls.kept("x", 6);
    assertEquals(2, kept.size(), "the store holds version 6, which carries 5's change or what replaced it");
    assertSame(enqueue, kept.get(0));
    assertEquals(0, calls.waiting());
  }
}
