package org.vertxotp.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When a node may go on running its share: a majority of what it last saw counts it, or the older half of a tie does. */
class LeaseQuorumTest {

  private static final List<String> ABC = List.of("a", "b", "c");

  @Test
  void aNodeThatEveryOtherMemberCountsIsConfirmed() {
    assertTrue(LeaseQuorum.confirms("c", ABC, ABC, Set.of("a", "b"), Set.of()));
  }

  @Test
  void twoOfThreeAreAMajority() {
    assertTrue(LeaseQuorum.confirms("c", ABC, ABC, Set.of("a"), Set.of()));
    assertTrue(LeaseQuorum.confirms("a", ABC, List.of("a", "b"), Set.of("b"), Set.of()), "c left: a and b go on");
    assertTrue(LeaseQuorum.confirms("c", ABC, ABC, Set.of("b"), Set.of()), "a majority without the oldest: it goes on too");
  }

  @Test
  void aNodeThatTheOthersNoLongerCountIsNotConfirmed() {
    assertFalse(LeaseQuorum.confirms("c", ABC, ABC, Set.of(), Set.of()), "paused, then resumed: the others removed it");
  }

  @Test
  void aNodeLeftAloneOfThreeIsOnTheMinoritySideAndStops() {
    assertFalse(LeaseQuorum.confirms("c", ABC, List.of("c"), Set.of(), Set.of()), "it removed the others: still a minority");
    assertFalse(LeaseQuorum.confirms("a", ABC, List.of("a"), Set.of(), Set.of()), "even the oldest, alone of three");
  }

  @Test
  void ofTwoHalvesOnlyTheOneWithTheOldestGoesOn() {
    List<String> ab = List.of("a", "b");
    assertTrue(LeaseQuorum.confirms("a", ab, List.of("a"), Set.of(), Set.of()), "the oldest, alone of two, goes on");
    assertFalse(LeaseQuorum.confirms("b", ab, List.of("b"), Set.of(), Set.of()), "the younger, alone of two, stops");
    List<String> abcd = List.of("a", "b", "c", "d");
    assertTrue(LeaseQuorum.confirms("d", abcd, abcd, Set.of("a"), Set.of()), "a half with the oldest");
    assertFalse(LeaseQuorum.confirms("d", abcd, abcd, Set.of("c"), Set.of()), "a half without it");
  }

  @Test
  void membersThatRunNoToolkitAreNotVotersUnlessTheyWereBefore() {
    List<String> withPlain = List.of("a", "b", "plain1", "plain2");
    assertTrue(LeaseQuorum.confirms("b", List.of(), withPlain, Set.of("a"), Set.of("plain1", "plain2")),
        "two toolkit nodes among plain members");
    assertFalse(LeaseQuorum.confirms("b", List.of("a", "b", "c"), List.of("a", "b", "c"), Set.of(), Set.of("a", "c")),
        "nodes it counted before do not stop voting by not answering");
  }

  @Test
  void beforeItsFirstRenewalANodeCountsTheMembersNow() {
    assertTrue(LeaseQuorum.confirms("c", List.of(), ABC, Set.of("a", "b"), Set.of()));
    assertFalse(LeaseQuorum.confirms("c", List.of(), ABC, Set.of(), Set.of()));
    assertTrue(LeaseQuorum.confirms("solo", List.of(), List.of("solo"), Set.of(), Set.of()), "a cluster of one");
    assertTrue(LeaseQuorum.confirms("solo", List.of(), List.of(), Set.of(), Set.of()), "no members read: itself");
  }

  @Test
  void newMembersVoteToo() {
    List<String> grown = List.of("a", "b", "c", "d", "e");
    assertFalse(LeaseQuorum.confirms("a", List.of("a", "b"), grown, Set.of("b"), Set.of()), "2 of 5 after three joined");
    assertTrue(LeaseQuorum.confirms("a", List.of("a", "b"), grown, Set.of("b", "c"), Set.of()));
  }

  @Test
  void answersFromNodesThatAreNeitherMembersNorInTheReferenceDoNotCount() {
    assertFalse(LeaseQuorum.confirms("c", ABC, ABC, Set.of("x", "y"), Set.of()));
  }

  @Test
  void aTieBeforeTheFirstRenewalGoesToTheOldestMemberNow() {
    List<String> ab = List.of("a", "b");
    assertTrue(LeaseQuorum.confirms("a", List.of(), ab, Set.of(), Set.of()));
    assertFalse(LeaseQuorum.confirms("b", List.of(), ab, Set.of(), Set.of()));
  }
}
