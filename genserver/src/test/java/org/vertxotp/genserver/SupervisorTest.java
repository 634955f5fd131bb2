package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.supervisor.ChildCounts;
import org.vertxotp.genserver.supervisor.ChildInfo;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Restart;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorFailure;
import org.vertxotp.genserver.supervisor.SupervisorSpec;
import org.vertxotp.genserver.sys.Sys;
import org.vertxotp.genserver.time.ManualClock;
import org.vertxotp.genserver.time.Timers;

@ExtendWith(TestVertx.class)
class SupervisorTest {

  private static final Duration PERIOD = Duration.ofSeconds(5);

  private final Queue<String> log = new ConcurrentLinkedQueue<>();

  private ChildSpec kid(String id) {
    return ChildSpec.worker(id, Kid::new, new Kid.Args(id, log)).withName(id);
  }

  private ServerRef ref(Vertx vertx, String name) {
    return GenServer.whereisLocal(vertx, ServerName.of(name)).orElseThrow(() -> new AssertionError(name + " is not running"));
  }

  /** The log from entry {@code from} on, once it has {@code count} entries past it. */
  private List<String> logFrom(int from, int count) {
    Await.until(() -> log.size() >= from + count, "log has " + (from + count) + " entries: " + log);
    List<String> all = new ArrayList<>(log);
    return all.subList(from, all.size());
  }

  private void crash(Vertx vertx, String name) {
    Await.callFailure(GenServer.call(vertx, ServerName.of(name), "crash"), CallFailure.SERVER_EXITED);
  }

  private static String crashOf(String id) {
    return "stop:" + id + ":crash: java.lang.IllegalStateException: " + id + " crashed";
  }

  @Test
  void oneForOneRestartsOnlyTheCrashedChild(Vertx vertx) {
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"), kid("b"), kid("c")).withIntensity(10, PERIOD)));
    assertEquals(List.of("start:a", "start:b", "start:c"), new ArrayList<>(log));
    ServerRef a = ref(vertx, "a");
    ServerRef b = ref(vertx, "b");
    ServerRef c = ref(vertx, "c");
    crash(vertx, "b");
    assertEquals(List.of(crashOf("b"), "start:b"), logFrom(3, 2));
    assertNotEquals(b, ref(vertx, "b"));
    assertEquals(a, ref(vertx, "a"));
    assertEquals(c, ref(vertx, "c"));
  }

  @Test
  void oneForAllRestartsAllChildrenStoppingInReverseAndStartingInOrder(Vertx vertx) {
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForAll(kid("a"), kid("b"), kid("c")).withIntensity(10, PERIOD)));
    ServerRef a = ref(vertx, "a");
    crash(vertx, "b");
    assertEquals(List.of(crashOf("b"), "stop:c:shutdown", "stop:a:shutdown", "start:a", "start:b", "start:c"), logFrom(3, 6));
    assertNotEquals(a, ref(vertx, "a"));
  }

  @Test
  void oneForAllStopsATemporarySiblingAndDoesNotRestartIt(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForAll(
        kid("a"), kid("t").withRestart(Restart.TEMPORARY), kid("c")).withIntensity(10, PERIOD)));
    crash(vertx, "a");
    assertEquals(List.of(crashOf("a"), "stop:c:shutdown", "stop:t:shutdown", "start:a", "start:c"), logFrom(3, 5));
    assertEquals(List.of("a", "c"), Await.result(Supervisor.whichChildren(vertx, sup)).stream().map(ChildInfo::id).toList());
  }

  @Test
  void restForOneRestartsTheCrashedChildAndThoseStartedAfterIt(Vertx vertx) {
    Await.result(Supervisor.start(vertx, SupervisorSpec.restForOne(kid("a"), kid("b"), kid("c")).withIntensity(10, PERIOD)));
    ServerRef a = ref(vertx, "a");
    crash(vertx, "b");
    assertEquals(List.of(crashOf("b"), "stop:c:shutdown", "start:b", "start:c"), logFrom(3, 4));
    assertEquals(a, ref(vertx, "a"));
  }

  @Test
  void restartTypesDecideWhichStoppedChildrenComeBack(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        kid("permanent"),
        kid("transient").withRestart(Restart.TRANSIENT),
        kid("transient2").withRestart(Restart.TRANSIENT),
        kid("temporary").withRestart(Restart.TEMPORARY)).withIntensity(10, PERIOD)));
    int before = log.size();

    assertEquals("bye", Await.result(GenServer.call(vertx, ServerName.of("permanent"), "quit")));
    assertEquals(List.of("stop:permanent:normal", "start:permanent"), logFrom(before, 2));

    assertEquals("bye", Await.result(GenServer.call(vertx, ServerName.of("transient"), "quit")));
    crash(vertx, "transient2");
    assertEquals(List.of("stop:transient:normal", crashOf("transient2"), "start:transient2"), logFrom(before + 2, 3));
    crash(vertx, "temporary");
    assertEquals(List.of(crashOf("temporary")), logFrom(before + 5, 1));
    List<ChildInfo> children = Await.result(Supervisor.whichChildren(vertx, sup)); // handled after every Down
    assertEquals(before + 6, log.size(), "nothing else may have restarted: " + log);
    assertEquals(List.of("permanent", "transient", "transient2"), children.stream().map(ChildInfo::id).toList());
    assertEquals(Optional.empty(), children.get(1).server(), "a transient child that stopped normally stays down");
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("temporary")));
  }

  @Test
  void restartIntensityExceededStopsTheSupervisorWithShutdownAndAReportNamingTheChild(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"))));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, sup, downs::add);
    crash(vertx, "a");
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a restarted once");
    crash(vertx, "a");
    ExitReason.Shutdown reason = assertInstanceOf(ExitReason.Shutdown.class, Await.next(downs).reason());
    assertFalse(reason.isAbnormal(), "a supervisor that gives up stops with shutdown, as in OTP");
    SupervisorFailure.RestartIntensityExceeded exceeded =
        assertInstanceOf(SupervisorFailure.RestartIntensityExceeded.class, reason.detail());
    assertEquals("a", exceeded.childId());
    assertTrue(reason.toString().contains("child a"), reason.toString());
    Await.idle(vertx);
    assertEquals(1, TestLogs.reports().stream().filter(r -> r.contains("reached max restart intensity")).count(),
        "one supervisor report: " + TestLogs.reports());
  }

  @Test
  void parentSupervisorRestartsASubtreeWhoseSupervisorGaveUp(Vertx vertx) {
    SupervisorSpec subtree = SupervisorSpec.oneForOne(kid("a"));
    ServerRef top = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.supervisor("sub", subtree).withName("sub")).withIntensity(5, PERIOD)));
    ServerRef sub = ref(vertx, "sub");
    crash(vertx, "a");
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a restarted by sub");
    crash(vertx, "a"); // one restart too many for sub: sub stops, top restarts it, and it starts a
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("sub")).filter(r -> !r.equals(sub)).isPresent(), "sub restarted");
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a started by the new sub");
    assertEquals(List.of("start:a", crashOf("a"), "start:a", crashOf("a"), "start:a"), logFrom(0, 5));
    assertEquals(0, (int) Await.result(GenServer.call(vertx, ServerName.of("a"), "get")));
    assertEquals(1, Await.result(Supervisor.countChildren(vertx, top)).active());
  }

  @Test
  void callByNameReachesTheRestartedChildWithFreshState(Vertx vertx) {
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"))));
    assertEquals(0, (int) Await.result(GenServer.call(vertx, ServerName.of("a"), "get")));
    assertEquals(1, (int) Await.result(GenServer.call(vertx, ServerName.of("a"), "get")));
    crash(vertx, "a");
    long start = System.nanoTime();
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a restarted");
    assertEquals(0, (int) Await.result(GenServer.call(vertx, ServerName.of("a"), "get")));
    assertTrue(Await.millisSince(start) < 5000, "restart took " + Await.millisSince(start) + " ms");
  }

  /** Arms an hour-long timer and monitors the server named "watched" when it starts. */
  static final class Watchful implements GenServer<Vertx, Void> {
    @Override
    public InitResult<Void> init(Vertx vertx) {
      Timers.sendAfter(vertx, Duration.ofHours(1), GenServer.self(), "later");
      Monitors.monitor(vertx, ServerName.of("watched"));
      return Results.ok(null);
    }

    @Override
    public CallResult<Void> handleCall(Object request, From from, Void state) {
      throw new IllegalStateException("crash on request");
    }
  }

  @Test
  void restartedChildLeavesTheOldIncarnationsTimersAndMonitorsBehind(Vertx vertx) {
    Await.result(GenServer.start(vertx, new Probe(vertx), new LinkedBlockingQueue<>(), new StartOptions().setName("watched")));
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.worker("w", Watchful::new, vertx).withName("w")).withIntensity(10, PERIOD)));
    NodeStats before = GenServer.stats(vertx);
    assertEquals(1, before.pendingTimers());
    long supervisorMonitors = before.monitors() - 1; // the supervisor's monitor of w, and w's of "watched"
    ServerRef first = ref(vertx, "w");
    Await.callFailure(GenServer.call(vertx, first, "crash"), CallFailure.SERVER_EXITED);
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("w")).filter(r -> !r.equals(first)).isPresent(), "w restarted");
    Await.until(() -> GenServer.stats(vertx).equals(before), "only the new incarnation's timer and monitor remain: "
        + GenServer.stats(vertx) + " vs " + before);
    assertEquals(1, supervisorMonitors);
  }

  @Test
  void stoppingASupervisorStopsItsChildrenInReverseStartOrderWithShutdown(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"), kid("b"), kid("c"))));
    Await.result(GenServer.stop(vertx, sup));
    assertEquals(List.of("stop:c:shutdown", "stop:b:shutdown", "stop:a:shutdown"), logFrom(3, 3));
    Await.idle(vertx);
  }

  @Test
  void childIgnoringShutdownBeyondItsTimeoutIsKilledAndTheSupervisorStillStops(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        kid("a"), kid("stubborn").withShutdown(Duration.ofMillis(200)), kid("c"))));
    Future<Object> hanging = GenServer.call(vertx, ServerName.of("stubborn"), "hang", GenServer.INFINITY);
    long start = System.nanoTime();
    Await.result(GenServer.stop(vertx, sup));
    long took = Await.millisSince(start);
    assertTrue(took >= 200 && took < 3000, "stop took " + took + " ms");
    assertEquals(List.of("stop:c:shutdown", "stop:a:shutdown"), logFrom(3, 2), "the stubborn child was killed, not terminated");
    assertEquals(ExitReason.KILLED, Await.callFailure(hanging, CallFailure.SERVER_EXITED).reason().orElseThrow());
    Await.idle(vertx);
  }

  @Test
  void childFailingToStartFailsTheSupervisorStartAfterStoppingTheOthers(Vertx vertx) {
    ChildSpec broken = ChildSpec.worker("b", Kid::new, new Kid.Args("b", log, true)).withName("b");
    StartException e = assertInstanceOf(StartException.class,
        Await.failure(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"), broken, kid("c")))));
    assertEquals(StartFailure.INIT_STOPPED, e.failure());
    ExitReason.Custom reason = assertInstanceOf(ExitReason.Custom.class, e.reason().orElseThrow());
    SupervisorFailure.ChildStartFailed failed = assertInstanceOf(SupervisorFailure.ChildStartFailed.class, reason.term());
    assertEquals("b", failed.childId());
    assertEquals(List.of("start:a", "stop:a:shutdown"), new ArrayList<>(log));
    Await.idle(vertx);
  }

  @Test
  void dynamicSupervisorStartsCountsListsRestartsAndTerminatesChildren(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx,
        SupervisorSpec.dynamic(ChildSpec.dynamicWorker("kid", Kid::new)).withIntensity(5, PERIOD)));
    List<ServerRef> kids = new ArrayList<>();
    for (String id : List.of("k1", "k2", "k3")) {
      kids.add(Await.result(Supervisor.startDynamicChild(vertx, sup, new Kid.Args(id, log))));
    }
    assertEquals(new ChildCounts(3, 3), Await.result(Supervisor.countChildren(vertx, sup)));

    Await.callFailure(GenServer.call(vertx, kids.get(1), "crash"), CallFailure.SERVER_EXITED);
    Await.until(() -> log.contains("start:k2") && log.stream().filter("start:k2"::equals).count() == 2, "k2 restarted");
    List<ChildInfo> children = Await.result(Supervisor.whichChildren(vertx, sup));
    assertEquals(3, children.size());
    assertTrue(children.stream().allMatch(c -> c.id().equals("kid") && c.server().isPresent()));
    assertTrue(children.stream().noneMatch(c -> c.server().get().equals(kids.get(1))), "k2 runs as a new server");

    Await.result(Supervisor.terminateChild(vertx, sup, kids.get(0)));
    assertEquals(new ChildCounts(2, 2), Await.result(Supervisor.countChildren(vertx, sup)));
    Await.callFailure(Supervisor.deleteChild(vertx, sup, "kid"), CallFailure.BAD_MESSAGE);
  }

  @Test
  void staticSupervisorTerminatesDeletesAndAddsChildrenAndRefusesAnIdItHasAsOtpDoes(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a"), kid("b"))));
    Await.callFailure(Supervisor.deleteChild(vertx, sup, "b"), CallFailure.BAD_MESSAGE); // running
    Await.result(Supervisor.terminateChild(vertx, sup, "b"));
    assertEquals(new ChildCounts(2, 1), Await.result(Supervisor.countChildren(vertx, sup)));
    StartException present = assertInstanceOf(StartException.class, Await.failure(Supervisor.startChild(vertx, sup, kid("b"))));
    assertEquals(StartFailure.ALREADY_PRESENT, present.failure()); // OTP's already_present: the spec stays, not running
    Await.result(Supervisor.deleteChild(vertx, sup, "b"));
    assertEquals(new ChildCounts(1, 1), Await.result(Supervisor.countChildren(vertx, sup)));

    ServerRef c = Await.result(Supervisor.startChild(vertx, sup, kid("c")));
    assertEquals(c, ref(vertx, "c"));
    StartException started = assertInstanceOf(StartException.class, Await.failure(Supervisor.startChild(vertx, sup, kid("c"))));
    assertEquals(StartFailure.ALREADY_STARTED, started.failure()); // OTP's {already_started, Pid}
    assertEquals(Optional.of(c), started.holder());
    assertEquals(c, ref(vertx, "c"), "the running child is left as it was");
    StartException failed = assertInstanceOf(StartException.class, Await.failure(Supervisor.startChild(vertx, sup,
        ChildSpec.worker("d", Kid::new, new Kid.Args("d", log, true)))));
    assertEquals(StartFailure.INIT_STOPPED, failed.failure());
    assertEquals(List.of("a", "c"), Await.result(Supervisor.whichChildren(vertx, sup)).stream().map(ChildInfo::id).toList());
  }

  /** Records its start, then continues straight into a normal stop. */
  static final class Quitter implements GenServer<Queue<String>, Queue<String>> {
    @Override
    public InitResult<Queue<String>> init(Queue<String> log) {
      log.add("start:q");
      return Results.ok(log, Action.continueWith("quit"));
    }

    @Override
    public NoReplyResult<Queue<String>> handleContinue(Object continuation, Queue<String> log) {
      return Results.stop(ExitReason.normal(), log);
    }

    @Override
    public void terminate(ExitReason reason, Queue<String> log) {
      log.add("stop:q:" + reason);
    }
  }

  @Test
  void transientChildThatStopsNormallyRightAfterItsInitIsNotRestarted(Vertx vertx) {
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.worker("q", Quitter::new, log).withRestart(Restart.TRANSIENT))));
    Await.until(() -> Await.result(Supervisor.whichChildren(vertx, sup)).get(0).server().isEmpty(), "q's Down handled");
    Await.result(Sys.getState(vertx, sup)); // anything its Down could have started has started
    assertEquals(Optional.empty(), Await.result(Supervisor.whichChildren(vertx, sup)).get(0).server());
    assertEquals(List.of("start:q", "stop:q:normal"), new ArrayList<>(log));
    assertEquals(List.of(), TestLogs.reports());
  }

  @Test
  void transientSupervisorThatGaveUpIsNotRestartedByItsParent(Vertx vertx) {
    ServerRef top = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.supervisor("sub", SupervisorSpec.oneForOne(kid("a"))).withName("sub").withRestart(Restart.TRANSIENT))
        .withIntensity(5, PERIOD)));
    ServerRef sub = ref(vertx, "sub");
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, sub, downs::add);
    crash(vertx, "a");
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a restarted once");
    crash(vertx, "a");
    assertInstanceOf(ExitReason.Shutdown.class, Await.next(downs).reason());
    Await.result(Sys.getState(vertx, top)); // top's Down of sub was queued before ours: it is handled now
    assertEquals(new ChildCounts(1, 0), Await.result(Supervisor.countChildren(vertx, top)));
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("sub")));
  }

  @Test
  void restartsExactlyOnePeriodApartBothCountTowardsTheIntensity(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef sup = Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(kid("a")))); // 1 restart in 5 s
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, sup, downs::add);
    crash(vertx, "a"); // t = 0: restarted
    Await.until(() -> GenServer.whereisLocal(vertx, ServerName.of("a")).isPresent(), "a restarted");
    clock.advance(PERIOD);
    crash(vertx, "a"); // t = 5 s: the restart at 0 is still within the period, as OTP counts it
    SupervisorFailure.RestartIntensityExceeded exceeded = assertInstanceOf(SupervisorFailure.RestartIntensityExceeded.class,
        assertInstanceOf(ExitReason.Shutdown.class, Await.next(downs).reason()).detail());
    assertEquals("a", exceeded.childId());
  }
}
