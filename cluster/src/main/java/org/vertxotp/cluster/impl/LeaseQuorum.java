package org.vertxotp.cluster.impl;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether one round of asking the other members renews a node's lease: a pure decision.
 *
 * <p>The voters are the nodes of the reference (the members as the last renewal saw them, oldest
 * first), the members now, and the node itself, less those members that run no toolkit (they
 * answered that nobody listens) and were not in the reference. The node is confirmed by itself and
 * by each voter that answered that it counts the node as a member. More than half confirms; exactly
 * half confirms only if the oldest node of the reference (of the members now, without one) is
 * among the confirmers, so that of two halves exactly one goes on, as Akka's keep-majority
 * resolver decides a tie by its lowest address.
 */
public final class LeaseQuorum {

  private LeaseQuorum() {
  }

  /**
   * @param self      the node asking
   * @param reference the members at the last renewal, oldest first (empty before the first)
   * @param members   the members now, oldest first, the node among them or not
   * @param yes       the members that answered they count {@code self} as a member
   * @param absent    the members in which nothing answered at all (no toolkit runs there)
   */
  public static boolean confirms(String self, List<String> reference, List<String> members, Set<String> yes,
                                 Set<String> absent) {
    Set<String> voters = new LinkedHashSet<>(reference);
    for (String member : members) {
      if (!absent.contains(member)) { // one of the reference stays a voter, answering or not
        voters.add(member);
      }
    }
    voters.add(self);
    int confirmers = 1;
    for (String voter : voters) {
      if (!voter.equals(self) && yes.contains(voter)) {
        confirmers++;
      }
    }
    if (2 * confirmers > voters.size()) {
      return true;
    }
    if (2 * confirmers < voters.size()) {
      return false;
    }
    String oldest = reference.isEmpty() ? (members.isEmpty() ? self : members.get(0)) : reference.get(0);
    return oldest.equals(self) || yes.contains(oldest);
  }
}
