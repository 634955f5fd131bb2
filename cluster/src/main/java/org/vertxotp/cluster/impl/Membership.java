package org.vertxotp.cluster.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Which nodes are members of the cluster now, as this node's toolkit sees them. */
final class Membership {

  private final HazelcastInstance hazelcast;
  /** Members as the membership listener saw them; checked against Hazelcast's own view when it misses. */
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private UUID listener;

  Membership(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** Follows the cluster; {@code left} hears of each node that leaves, after it is no longer a member here. Blocking. */
  void start(Consumer<String> left) {
    listener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        members.add(Members.nodeId(event.getMember()));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = Members.nodeId(event.getMember());
        members.remove(node);
        left.accept(node);
      }
    });
    for (Member member : hazelcast.getCluster().getMembers()) {
      members.add(Members.nodeId(member));
    }
    // A departure heard before the snapshot above was taken must not leave a ghost in it.
    Set<String> now = ConcurrentHashMap.newKeySet();
    hazelcast.getCluster().getMembers().forEach(member -> now.add(Members.nodeId(member)));
    members.retainAll(now);
  }

  /** Stops following the cluster. Blocking. */
  void close() {
    if (listener != null) {
      hazelcast.getCluster().removeMembershipListener(listener);
    }
  }

  /** True if {@code node} is a member now: as the listener saw it, or, if it has not yet, as Hazelcast does. */
  boolean isMember(String node) {
    if (members.contains(node)) {
      return true;
    }
    for (Member member : hazelcast.getCluster().getMembers()) { // a member that joined a moment ago
      if (Members.nodeId(member).equals(node)) {
        return true;
      }
    }
    return false;
  }
}
