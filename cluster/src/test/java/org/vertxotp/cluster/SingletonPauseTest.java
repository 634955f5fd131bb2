package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Lease;
import org.vertxotp.genserver.ServerName;

/**
 * The member that runs a cluster singleton is paused (SIGSTOP) past its lease and the cluster's
 * detection time: a survivor runs the singleton meanwhile, and once the paused member runs again
 * (SIGCONT) its incarnation acts no more: at no moment after the resume do two incarnations act.
 */
class SingletonPauseTest extends OnTestCluster {

  /** Past the detection time (5 s here) and the quarantine after it: a survivor runs the singleton. */
  private static final long PAUSE_MILLIS = TestCluster.DETECTION_MILLIS;
  /** How long after the resume the test watches, and in what steps. */
  private static final long WATCH_MILLIS = 30_000;
  private static final long SAMPLE_MILLIS = 100;

  @Test
  void aSingletonWhoseNodeWasPausedPastItsLeaseActsNoMoreOnceItResumesWhileASurvivorRunsIt() throws Exception {
    // A joins last: a resumed member that was not next in line for mastership claims none (Hazelcast
    // logs such a claim at SEVERE on the others).
    Vertx b = cluster.node();
    Vertx c = cluster.node();
    Ticking.Inbox inbox = new Ticking.Inbox(b);
    long pausedAt;
    long resumedAt;
    String incarnationOnA;
    try (NodeProcess a = new NodeProcess(cluster.name(), "ticking", Integer.toString(inbox.port()))) {
      String nodeA = a.awaitReady(); // A runs the singleton
      for (Vertx node : List.of(b, c)) {
        Await.result(ClusterSingleton.start(node, Ticking.spec(inbox.port())));
      }
      Await.until(() -> inbox.ticks.stream().filter(t -> nodeA.equals(t.node())).count() >= 10, "A's incarnation ticks");
      incarnationOnA = inbox.ticks.stream().filter(t -> nodeA.equals(t.node())).findFirst().orElseThrow().incarnation();
      assertTrue(GenServer.whereisLocal(b, ServerName.of(Ticking.NAME)).isEmpty()
          && GenServer.whereisLocal(c, ServerName.of(Ticking.NAME)).isEmpty(), "B and C only keep it");

      a.pause();
      pausedAt = System.nanoTime();
      Thread.sleep(PAUSE_MILLIS);
      a.resume();
      resumedAt = System.nanoTime();

      // It acts no more at once (the ticks below say so); its Down follows once its name is released.
      String down = a.downs().poll(10, TimeUnit.SECONDS);
      assertNotNull(down, "A's incarnation stopped");
      assertEquals(Ticking.NAME + " " + incarnationOnA + " {shutdown, " + Lease.LAPSED + "}", down);
      Thread.sleep(WATCH_MILLIS);
      assertEquals(List.of(), a.severeLines(), "the resumed node logged no error");
    }

    List<Ticking.Inbox.Arrival> ticks = List.copyOf(inbox.ticks);
    List<Ticking.Inbox.Arrival> takenOver = ticks.stream()
        .filter(t -> !t.incarnation().equals(incarnationOnA) && t.decidedNanos() > pausedAt && t.decidedNanos() < resumedAt)
        .toList();
    assertTrue(takenOver.size() >= 10, "a survivor ran the singleton during the pause: " + takenOver.size() + " ticks");
    List<Long> fromAAfterResume = ticks.stream()
        .filter(t -> t.incarnation().equals(incarnationOnA) && t.decidedNanos() > resumedAt)
        .map(t -> (t.decidedNanos() - resumedAt) / 1_000_000).toList();
    assertEquals(List.of(), fromAAfterResume, "ticks A's incarnation decided after the resume (ms after it)");
    List<String> doubled = new ArrayList<>();
    int ticking = 0;
    for (long from = resumedAt; from < resumedAt + TimeUnit.MILLISECONDS.toNanos(WATCH_MILLIS);
         from += TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS)) {
      long start = from;
      long end = from + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
      Set<String> incarnations = new TreeSet<>();
      ticks.stream().filter(t -> t.decidedNanos() >= start && t.decidedNanos() < end)
          .forEach(t -> incarnations.add(t.incarnation()));
      if (incarnations.size() > 1) {
        doubled.add((start - resumedAt) / 1_000_000 + " ms: " + incarnations);
      }
      ticking += incarnations.size();
    }
    assertEquals(List.of(), doubled, "samples after the resume in which two incarnations acted");
    long samples = WATCH_MILLIS / SAMPLE_MILLIS;
    assertTrue(ticking >= samples / 2, "the singleton ran on after the resume: it ticked in " + ticking
        + " of " + samples + " samples");
  }
}
