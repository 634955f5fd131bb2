package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.Lease;

/** A node's lease over members that come and go in good order. */
class NodeLeaseTest extends OnTestCluster {

  @Test
  void whenAMajorityLeavesInGoodOrderAtOnceTheNodeThatStaysKeepsItsLease() throws Exception {
    Vertx a = cluster.node();
    Vertx b = cluster.node();
    Vertx c = cluster.node();
    Lease lease = GenServerCluster.lease(a);
    GenServerCluster.lease(b);
    GenServerCluster.lease(c);
    Await.until(lease::isValid, "A's lease is confirmed by B and C");
    Await.until(() -> TestCluster.hazelcast(a).getCluster().getMembers().size() == 3, "all three are members");
    Thread.sleep(1_000); // a renewal or two with all three

    Await.result(Future.all(b.close(), c.close()));
    Await.until(() -> TestCluster.hazelcast(a).getCluster().getMembers().size() == 1, "A is alone");
    Await.until(lease::isValid, "A's lease holds, or is renewed, without them");
    for (int i = 0; i < 20; i++) { // and stays valid over several renewals (a lease lasts 2 s, renewed every 0.5 s)
      Thread.sleep(200);
      assertTrue(lease.isValid(), "A's lease lapsed " + (i * 200) + " ms after the others left");
    }
  }
}
