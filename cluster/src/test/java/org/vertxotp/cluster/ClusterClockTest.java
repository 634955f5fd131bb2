package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.spi.RemoteNodes;
import org.vertxotp.genserver.time.ManualClock;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.TimerTimeout;
import org.vertxotp.genserver.time.Timers;

/**
 * Node B runs on a manual clock: its calls to servers on node A time out, and its timers to them
 * fire, when its clock says so; kill reaches servers on another node.
 */
class ClusterClockTest extends OnTestCluster {

  private Vertx a;
  private Vertx b;
  private ManualClock clock;
  /** A's clock: the serving side keeps its own copy of a call's timeout on it. */
  private ManualClock clockA;

  @BeforeEach
  void nodes() {
    a = cluster.node();
    b = cluster.node(new VertxOptions().setEventLoopPoolSize(1));
    clock = ManualClock.install(b);
    clockA = ManualClock.install(a);
    Store.register(MessageTypes.of(a));
    Store.register(MessageTypes.of(b));
  }

  /** A call made on {@code caller}, B's context, so that a barrier there shows whether it was settled. */
  private Future<Object> callFrom(Context caller, ServerRef store, Object request, Duration timeout) throws Exception {
    CompletableFuture<Future<Object>> made = new CompletableFuture<>();
    caller.runOnContext(v -> made.complete(GenServer.call(b, store, request, timeout)));
    return made.get(10, TimeUnit.SECONDS);
  }

  /** Waits until every task queued on {@code context} before now has run. */
  private static void barrier(Context context) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    context.runOnContext(v -> reached.complete(null));
    reached.get(10, TimeUnit.SECONDS);
  }

  private ServerRef storeOnA(BlockingQueue<Object> infos, String name) {
    return Await.result(GenServer.start(a, new Store(), infos, new StartOptions().setName(ServerName.of(name))));
  }

  @Test
  void aCallToAnotherNodeTimesOutWhenTheCallersClockPassesItsTimeoutAndNotBefore() throws Exception {
    ServerRef store = storeOnA(new LinkedBlockingQueue<>(), "held-calls");
    Context caller = b.getOrCreateContext();
    Future<Object> call = callFrom(caller, store, new Store.Hold(), Duration.ofHours(1));
    Await.until(() -> Integer.valueOf(1).equals(Await.result(GenServer.call(a, store, new Store.Held()))),
        "the call is held by the server");
    clock.advance(Duration.ofMinutes(59));
    barrier(caller); // a timeout that fired would have settled the call by now
    assertFalse(call.isComplete(), "not yet an hour on B's clock");
    clock.advance(Duration.ofMinutes(2));
    Await.callFailure(call, CallFailure.TIMEOUT);
  }

  @Test
  void theServersNodeGivingUpOnItsClockDoesNotEndACallThatTheCallersClockStillAllows() throws Exception {
    ServerRef store = storeOnA(new LinkedBlockingQueue<>(), "short-calls");
    Context caller = b.getOrCreateContext();
    Future<Object> call = callFrom(caller, store, new Store.Hold(), Duration.ofMillis(200));
    Await.until(() -> Integer.valueOf(1).equals(Await.result(GenServer.call(a, store, new Store.Held()))),
        "the call is held by the server");
    clockA.advance(Duration.ofMillis(200)); // A drops its side of the call and answers so; B's clock has not moved
    // A's answer to a later call from the same caller comes over the same connection after that one, to the same context.
    assertEquals(1, callFrom(caller, store, new Store.Held(), Duration.ofSeconds(10)).await(10, TimeUnit.SECONDS));
    barrier(caller);
    assertFalse(call.isComplete(), "B's clock decides B's timeout");
    clock.advance(Duration.ofMillis(200));
    Await.callFailure(call, CallFailure.TIMEOUT);
  }

  @Test
  void sendAfterAndStartTimerToAServerOnAnotherNodeFireOnTheSendersClockAndACancelledOneNever() {
    BlockingQueue<Object> infos = new LinkedBlockingQueue<>();
    ServerRef store = storeOnA(infos, "timed");
    TimerRef after = Timers.sendAfter(b, Duration.ofSeconds(5), store, "after");
    TimerRef cancelled = Timers.sendAfter(b, Duration.ofSeconds(7), store, "cancelled");
    TimerRef started = Timers.startTimer(b, Duration.ofSeconds(10), store, "started");
    assertEquals(OptionalLong.of(5000), Timers.readTimer(after));
    assertEquals(OptionalLong.of(7000), Timers.cancelTimer(cancelled));

    clock.advance(Duration.ofSeconds(6));
    assertEquals("after", Await.next(infos));
    assertEquals(OptionalLong.empty(), Timers.readTimer(after), "fired");
    assertEquals(OptionalLong.of(4000), Timers.readTimer(started));
    clock.advance(Duration.ofSeconds(5));
    // Both left B from its one timer table in deadline order: the cancelled one would have come first.
    assertEquals(new TimerTimeout(RemoteNodes.portable(started), "started"), Await.next(infos));
  }

  @Test
  void killReachesAServerOnAnotherNodeByRefAndByName() {
    ServerRef byRef = storeOnA(new LinkedBlockingQueue<>(), "killed-by-ref");
    ServerRef byName = storeOnA(new LinkedBlockingQueue<>(), "killed-by-name");
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(a, byRef, downs::add);
    Monitors.monitor(a, byName, downs::add);

    Await.result(GenServer.kill(b, byRef));
    Down first = Await.next(downs);
    assertEquals(byRef, first.server());
    assertEquals(ExitReason.KILLED, first.reason());
    Await.result(GenServer.kill(b, ServerName.of("killed-by-name")));
    Down down = Await.next(downs);
    assertEquals(byName, down.server());
    assertEquals(ExitReason.KILLED, down.reason());
    Await.callFailure(GenServer.kill(b, byRef), CallFailure.NO_SERVER);
  }
}
