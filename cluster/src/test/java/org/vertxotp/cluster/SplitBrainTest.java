package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;

/**
 * Two nodes that formed two clusters of one name, each registering the same name, then merge (as
 * a split brain heals): one holder is kept, the other is stopped with a name conflict.
 */
class SplitBrainTest extends OnTestCluster {

  private static final ServerName NAME = ServerName.of("contested");

  /** Two sides apart, each running a holder of {@link #NAME}; the side at {@code portA} looks for the other, so they merge. */
  private record Sides(Vertx a, Vertx b, ServerRef onA, ServerRef onB, BlockingQueue<Down> downs) {}

  private Sides apart(int portA, int portB) {
    TestCluster.allowMergeRetries();
    Vertx a = cluster.node(new VertxOptions(), cluster.healingOn(portA, portA, portB)); // B is not up yet: A is alone
    Vertx b = cluster.node(new VertxOptions(), cluster.healingOn(portB, portB)); // B never looks for A: alone too
    ServerRef onA = Await.result(GenServer.start(a, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(NAME)));
    ServerRef onB = Await.result(GenServer.start(b, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(NAME)));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(a, onA, downs::add);
    Monitors.monitor(b, onB, downs::add);
    return new Sides(a, b, onA, onB, downs);
  }

  /** Once the sides merged: one holder was stopped with a name conflict, and both sides say the other holds the name. */
  private static void oneHolderKept(Sides sides) throws InterruptedException {
    Await.until(() -> !sides.downs().isEmpty(), "the loser's Down (the merge checks may take a few rounds)", 60);
    Down down = sides.downs().take();
    NameConflict conflict = (NameConflict) assertInstanceOf(ExitReason.Custom.class, down.reason()).term();
    ServerRef kept = conflict.kept();
    assertEquals(NAME, conflict.name());
    assertEquals(down.server(), conflict.lost());
    assertTrue(kept.equals(sides.onA()) ^ conflict.lost().equals(sides.onA()), "one of the two is kept: " + conflict);
    assertEquals(Optional.of(kept), Await.result(GenServer.whereis(sides.a(), NAME)));
    assertEquals(Optional.of(kept), Await.result(GenServer.whereis(sides.b(), NAME)));
    Await.nothingFor(sides.downs(), 500);
  }

  @Test
  void whenTwoSidesThatEachGaveOutANameMergeOneHolderIsKeptAndTheOtherStopsWithANameConflict() throws Exception {
    List<Integer> ports = TestCluster.freePorts(2);
    // A's merge check finds B's cluster on B's port; the two become one.
    oneHolderKept(apart(ports.get(0), ports.get(1)));
  }

  @Test
  void aNameTheSideMergedIntoLostFromItsTableDuringTheSplitStillEndsWithOneHolder() throws Exception {
    // Of two sides of one size, the one whose address reads greater merges into the other: here B into A.
    List<Integer> ports = TestCluster.freePorts(2).stream().sorted(Comparator.comparing(String::valueOf)).toList();
    Sides sides = apart(ports.get(0), ports.get(1));
    // A's table loses A's entry behind its back, as when a paused member runs, once resumed, the release
    // of its names that the other side sent it. A is never told MERGED: it must check when B joins.
    TestCluster.hazelcast(sides.a()).getMap(HazelcastNameRegistry.MAP).remove(NAME.name());
    oneHolderKept(sides);
  }
}
