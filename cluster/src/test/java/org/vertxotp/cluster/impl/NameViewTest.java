package org.vertxotp.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A member's copy of the name table: events keep it current, and a reload never undoes a newer event. */
class NameViewTest {

  @Test
  void aReleaseHeardDuringAReloadIsNotUndoneByTheOlderSnapshot() {
    NameView view = new NameView();
    view.held("n", "a/1");
    long mark = view.readBegins();
    view.released("n", "a/1");
    view.reloaded(mark, Map.of("n", "a/1")); // read before the release
    assertNull(view.holder("n"));
    assertEquals(0, view.size(), "the release's mark goes with the reload");
  }

  @Test
  void aHolderHeardDuringAReloadWinsOverTheSnapshot() {
    NameView view = new NameView();
    long mark = view.readBegins();
    view.held("n", "b/2");
    view.reloaded(mark, Map.of("n", "a/1"));
    assertEquals(NameView.decode("b/2"), view.holder("n"));
  }

  @Test
  void aReloadAddsWhatTheEventsMissedAndDropsWhatTheTableNoLongerHas() {
    NameView view = new NameView();
    view.held("gone", "a/1");
    view.held("kept", "a/2");
    long mark = view.readBegins();
    view.reloaded(mark, Map.of("kept", "a/2", "missed", "c/3"));
    assertNull(view.holder("gone"));
    assertEquals(NameView.decode("a/2"), view.holder("kept"));
    assertEquals(NameView.decode("c/3"), view.holder("missed"));
    assertEquals(2, view.size());
  }

  @Test
  void theReleaseOfAnEarlierHolderLeavesTheNewOne() {
    NameView view = new NameView();
    view.held("n", "b/2");
    view.released("n", "a/1");
    assertEquals(NameView.decode("b/2"), view.holder("n"));
    view.released("n", "b/2");
    assertNull(view.holder("n"));
  }

  @Test
  void releasesOutsideAReloadLeaveNothingBehind() {
    NameView view = new NameView();
    for (int i = 0; i < 100; i++) {
      view.held("n" + i, "a/" + i);
      view.released("n" + i, "a/" + i);
      view.released("never-held-" + i, "a/" + i);
    }
    assertEquals(0, view.size());
  }

  @Test
  void aFailedReloadLeavesTheEventsInChargeAndItsMarksGo() {
    NameView view = new NameView();
    view.held("n", "a/1");
    long failing = view.readBegins();
    view.released("n", "a/1");
    view.held("m", "a/2");
    view.readEnds(failing);
    assertNull(view.holder("n"));
    assertEquals(NameView.decode("a/2"), view.holder("m"));
    assertEquals(1, view.size());
  }

  @Test
  void aValueThisToolkitDidNotWriteIsNotKeptAndTheTableIsAskedInstead() {
    NameView view = new NameView();
    view.held("n", "no slash here");
    long mark = view.readBegins();
    view.reloaded(mark, Map.of("m", "a/not-a-number"));
    assertNull(view.holder("n"));
    assertNull(view.holder("m"));
    assertEquals(0, view.size());
  }

  @Test
  void aReadsAnswerIsKeptUnlessSomethingNewerWasHeard() {
    NameView view = new NameView();
    long first = view.readBegins();
    view.learned("found", "a/1", first);
    assertEquals(NameView.decode("a/1"), view.holder("found"));
    long second = view.readBegins();
    view.held("moved", "b/2");
    view.learned("moved", "a/1", second); // read before the event
    assertEquals(NameView.decode("b/2"), view.holder("moved"));
    long third = view.readBegins();
    view.held("gone", "a/3");
    view.released("gone", "a/3");
    view.learned("gone", "a/3", third); // its answer predates the release
    assertNull(view.holder("gone"));
    assertEquals(0, view.tombstones(), "no read is under way");
  }

  @Test
  void aReadThatFoundNobodyMakesTheNameKnownFreeUntilItsHolderIsHeardOf() {
    NameView view = new NameView();
    assertFalse(view.knownFree("n"), "unknown is not free");
    view.learned("n", null, view.readBegins());
    assertTrue(view.knownFree("n"));
    assertNull(view.holder("n"));
    view.held("n", "a/1");
    assertFalse(view.knownFree("n"));
    assertEquals(NameView.decode("a/1"), view.holder("n"));
  }

  @Test
  void anOlderReloadThatFinishesLastDoesNotBringBackWhatANewerOneDropped() {
    NameView view = new NameView();
    view.held("x", "a/1");
    long older = view.readBegins(); // a reload whose snapshot still has x
    long lookup = view.readBegins(); // and a lookup that began as early
    view.released("x", "a/1");
    long newer = view.readBegins();
    view.reloaded(newer, Map.of());
    view.reloaded(older, Map.of("x", "a/1"));
    view.learned("x", "a/1", lookup);
    assertNull(view.holder("x"));
    assertEquals(0, view.tombstones());
  }

  @Test
  void onlySoManyNamesFoundFreeAreKept() {
    NameView view = new NameView();
    for (int i = 0; i < NameView.FREE_NAMES_KEPT + 10; i++) {
      view.learned("free-" + i, null, view.readBegins());
    }
    assertEquals(NameView.FREE_NAMES_KEPT, view.size());
    assertFalse(view.knownFree("free-" + (NameView.FREE_NAMES_KEPT + 5)));
  }

  @Test
  void aLookupOlderThanAReloadThatDroppedTheNameCannotBringItsHolderBack() {
    NameView view = new NameView();
    view.held("n", "a/1");
    long lookup = view.readBegins(); // its answer, a/1, was read before the release
    view.released("n", "a/1");
    long reload = view.readBegins();
    view.reloaded(reload, Map.of());
    assertEquals(0, view.tombstones(), "the reload's mark refuses the older lookup: no tombstone is needed for it");
    assertFalse(view.knownFree("n"), "a release says the holder is gone, not that nobody took the name");
    view.learned("n", "a/1", lookup);
    assertNull(view.holder("n"));
    assertEquals(0, view.tombstones());
  }

  @Test
  void aTombstoneStaysWhileAReadOlderThanItIsOpenAndGoesWhenThatReadEnds() {
    NameView view = new NameView();
    view.held("n", "a/1");
    long lookup = view.readBegins();
    view.released("n", "a/1");
    long later = view.readBegins();
    view.readEnds(later); // not the oldest: the tombstone is still needed
    assertEquals(1, view.tombstones());
    view.learned("n", "a/1", lookup); // its answer predates the release
    assertNull(view.holder("n"));
    assertEquals(0, view.tombstones());
  }

  @Test
  void tombstonesGoOnceEveryReadOlderThanThemEndedEvenWhileNewerReadsAreOpen() {
    NameView view = new NameView();
    view.held("n", "a/1");
    long older = view.readBegins();
    view.released("n", "a/1");
    long newer = view.readBegins();
    view.readEnds(older);
    assertEquals(0, view.tombstones(), "only a read older than the release needed it");
    view.readEnds(newer);
  }

  @Test
  void theCountOfNamesFoundFreeFollowsWhatReplacesThem() {
    NameView view = new NameView();
    for (int i = 0; i < 2 * NameView.FREE_NAMES_KEPT; i++) {
      view.learned("n" + i, null, view.readBegins());
      view.held("n" + i, "a/" + i);
      view.released("n" + i, "a/" + i);
    }
    assertEquals(0, view.freeNames());
    view.learned("late", null, view.readBegins());
    assertTrue(view.knownFree("late"), "the cap was not used up by names that are no longer free");
  }

  @Test
  void aReadThatFindsANameFreeWhenNoMoreFreeNamesAreKeptStillDropsAStaleHolder() {
    NameView view = new NameView();
    for (int i = 0; i < NameView.FREE_NAMES_KEPT; i++) {
      view.learned("free-" + i, null, view.readBegins());
    }
    long read = view.readBegins();
    view.held("stale", "a/1"); // heard after the read began: kept
    view.learned("stale", null, read);
    assertEquals(NameView.decode("a/1"), view.holder("stale"));
    view.learned("stale", null, view.readBegins()); // a newer read: the holder is gone
    assertNull(view.holder("stale"));
    assertFalse(view.knownFree("stale"), "not kept as free beyond the cap");
  }
}
