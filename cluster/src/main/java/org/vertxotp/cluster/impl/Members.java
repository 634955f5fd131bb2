package org.vertxotp.cluster.impl;

import com.hazelcast.cluster.Member;

/** How Hazelcast members map to node ids. */
public final class Members {

  /** The member attribute vertx-hazelcast keeps a member's Vert.x node id in. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private Members() {
  }

  /** The node id of {@code member}: its Vert.x node id, which the toolkit's refs carry; its UUID for a member without Vert.x. */
  public static String nodeId(Member member) {
    String id = member.getAttribute(VERTX_NODE_ID);
    return id != null ? id : member.getUuid().toString();
  }
}
