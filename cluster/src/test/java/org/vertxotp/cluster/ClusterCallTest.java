package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.WireFormat;

/**
 * Two toolkit nodes, A (default event loops) and B (one event loop), and a plain clustered Vert.x
 * program P, in one cluster: servers on A are reached from B by name and by ref.
 */
class ClusterCallTest {

  private static TestCluster cluster;
  private static Vertx a;
  private static Vertx b;
  private static Vertx plain;
  private static final AtomicInteger names = new AtomicInteger();

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    a = cluster.node();
    b = cluster.node(new VertxOptions().setEventLoopPoolSize(1));
    plain = cluster.plainNode();
    Store.register(MessageTypes.of(a));
    Store.register(MessageTypes.of(b));
  }

  @AfterAll
  static void closeCluster() {
    cluster.close();
    assertEquals(List.of(), TestLogs.unexpectedErrors(), "closing the nodes logged errors");
  }

  @BeforeEach
  void resetLogs() {
    TestLogs.reset();
  }

  @AfterEach
  void quiet() {
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }

  private static ServerName freshName() {
    return ServerName.of("store-" + names.incrementAndGet());
  }

  private static ServerRef startStore(Vertx node, ServerName name, BlockingQueue<Object> infos) {
    return Await.result(GenServer.start(node, new Store(), infos, new StartOptions().setName(name)));
  }

  @Test
  void callCastAndSendByNameFromAnotherNodeReachTheServer() throws Exception {
    ServerName name = freshName();
    BlockingQueue<Object> infos = new LinkedBlockingQueue<>();
    startStore(a, name, infos);

    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", 1))));
    GenServer.cast(b, name, new Store.Put("j", List.of("x", "y")));
    GenServer.send(b, name, new Store.Get("hello"));
    assertEquals(new Store.Get("hello"), Await.next(infos));
    Store.Value value = Await.result(GenServer.call(b, name, new Store.Get("j")));
    assertEquals(new Store.Value("j", List.of("x", "y"), value.keys()), value);
    assertEquals(List.of("j", "k"), value.keys().stream().sorted().toList());
  }

  @Test
  void callCastAndSendByRefFromAnotherNodeReachTheServer() {
    BlockingQueue<Object> infos = new LinkedBlockingQueue<>();
    ServerRef store = startStore(a, freshName(), infos);
    assertEquals(TestCluster.id(a), store.node());

    GenServer.cast(b, store, new Store.Put("k", "v"));
    GenServer.send(b, store, "info");
    assertEquals("info", Await.next(infos));
    Store.Value value = Await.result(GenServer.call(b, store, new Store.Get("k")));
    assertEquals("v", value.value());
  }

  @Test
  void whereisFindsTheHolderFromEveryNode() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    assertEquals(Optional.of(store), Await.result(GenServer.whereis(a, name)));
    assertEquals(Optional.of(store), Await.result(GenServer.whereis(b, name)));
    assertEquals(Optional.empty(), GenServer.whereisLocal(b, name));
    Await.result(GenServer.stop(b, store));
    assertEquals(Optional.empty(), Await.result(GenServer.whereis(b, name)));
  }

  @Test
  void aPlainClusteredVertxProgramCallsTheServerByNameInTheJsonWireFormat() {
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    Await.result(GenServer.call(b, name, new Store.Put("k", "from b")));

    JsonObject reply = Await.result(plain.eventBus().<JsonObject>request(name.address(),
        new JsonObject().put("op", "get").put("key", "k"),
        new DeliveryOptions().addHeader(WireFormat.KIND_HEADER, WireFormat.KIND_CALL))).body();
    assertEquals("from b", reply.getString("value"));
  }

  @Test
  void twoNodesRacingForOneNameAHundredTimesHaveExactlyOneWinnerEachTime() {
    for (int round = 0; round < 100; round++) {
      ServerName name = freshName();
      Future<ServerRef> onA = GenServer.start(a, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name));
      Future<ServerRef> onB = GenServer.start(b, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name));
      Await.failureOrResult(onA);
      Await.failureOrResult(onB);
      assertTrue(onA.succeeded() ^ onB.succeeded(), "round " + round + ": exactly one start wins: " + onA + " " + onB);
      ServerRef winner = onA.succeeded() ? onA.result() : onB.result();
      StartException lost = (StartException) (onA.failed() ? onA.cause() : onB.cause());
      assertEquals(StartFailure.ALREADY_STARTED, lost.failure());
      assertEquals(Optional.of(winner), lost.holder());
      assertTrue(lost.getMessage().contains(winner.node()), "the loser is told the holder's node: " + lost.getMessage());
      Await.result(GenServer.stop(a, winner));
    }
  }

  @Test
  void aCrashOnAnotherNodeFailsTheCallWithTheCrashAsItsReason() {
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    TestLogs.allow("boom on purpose");
    CallException failure = Await.callFailure(GenServer.call(b, name, new Store.Crash("boom on purpose")),
        CallFailure.SERVER_EXITED);
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, failure.reason().orElseThrow());
    RemoteCrash remote = assertInstanceOf(RemoteCrash.class, crash.cause());
    assertEquals(IllegalStateException.class.getName(), remote.type());
    assertTrue(remote.getMessage().contains("boom on purpose"), remote.getMessage());
  }

  @Test
  void aMessageOfATypeNoNodeCarriesFailsAtTheSenderAndNothingIsSent() {
    ServerName name = freshName();
    BlockingQueue<Object> infos = new LinkedBlockingQueue<>();
    startStore(a, name, infos);
    CallException failure = Await.callFailure(GenServer.call(b, name, new Store.Unregistered("x")), CallFailure.BAD_MESSAGE);
    assertTrue(failure.getMessage().contains(Store.Unregistered.class.getName()), failure.getMessage());
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
        () -> GenServer.send(b, name, new Store.Unregistered("y")));
    assertTrue(thrown.getMessage().contains("register it in MessageTypes"), thrown.getMessage());
    GenServer.send(b, name, "after");
    assertEquals("after", Await.next(infos), "nothing of the unregistered message arrived before it");
  }

  @Test
  void aReplyNoNodeCanCarryFailsTheCallAndTheServerLivesOn() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    CallException failure = Await.callFailure(GenServer.call(b, name, new Store.Odd()), CallFailure.SERVER_EXITED);
    assertTrue(failure.getMessage().contains("cannot cross nodes"), failure.getMessage());
    assertEquals(Optional.of(store), Await.result(GenServer.whereis(b, name)));
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("still", "here"))));
  }

  @Test
  void garbageSentToANodesAddressFromAnotherNodeGetsBadMessageAndHarmsNothing() {
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    String nodeAddress = "genserver.node." + TestCluster.id(a);
    for (Object garbage : List.of(Buffer.buffer(new byte[] {1, 2, 3}), "text", new JsonObject().put("kind", "call"),
        new JsonObject().put("kind", "call").put("to", new io.vertx.core.json.JsonArray().add("t").add("java.io.File")),
        new JsonObject().put("kind", "nonsense").put("to", "x").put("m", 1))) {
      Throwable failure = Await.failure(plain.eventBus().request(nodeAddress, garbage));
      ReplyException refused = assertInstanceOf(ReplyException.class, failure, String.valueOf(garbage));
      assertEquals(CallFailure.BAD_MESSAGE.code(), refused.failureCode(), refused.getMessage());
    }
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", "v"))));
  }

  @Test
  void aCallByNameNobodyHoldsFailsWithNoServer() {
    Await.callFailure(GenServer.call(b, freshName(), new Store.Get("k")), CallFailure.NO_SERVER);
  }

  @Test
  void aCallOnAnotherNodeTimesOutWithTimeoutAndTheServerLivesOn() {
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    Await.callFailure(GenServer.call(b, name, new Store.Hold(), Duration.ofMillis(300)), CallFailure.TIMEOUT);
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", "v"))));
  }

  @Test
  void aNameReleasedAndTakenOnAnotherNodeIsFollowed() {
    ServerName name = freshName();
    ServerRef first = startStore(a, name, new LinkedBlockingQueue<>());
    Await.result(GenServer.call(b, name, new Store.Put("where", "a")));
    Await.result(GenServer.stop(a, first));
    ServerRef second = startStore(b, name, new LinkedBlockingQueue<>());
    assertNotEquals(first, second);
    Await.result(GenServer.call(a, name, new Store.Put("where", "b")));
    Store.Value value = Await.result(GenServer.call(a, name, new Store.Get("where")));
    assertEquals("b", value.value());
  }

  @Test
  void aMonitorOfAServerOnAnotherNodeIsToldItsCrashReason() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    MonitorRef monitor = Monitors.monitor(b, name, downs::add);
    Await.result(GenServer.call(b, name, new Store.Put("k", "v"))); // the monitor request went first on the same way
    TestLogs.allow("watched to crash");
    Await.callFailure(GenServer.call(b, store, new Store.Crash("watched to crash")), CallFailure.SERVER_EXITED);
    Down down = Await.next(downs);
    assertEquals(monitor, down.monitor());
    assertEquals(store, down.server());
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, down.reason());
    assertTrue(crash.cause().getMessage().contains("watched to crash"), crash.cause().getMessage());
    Await.nothingFor(downs, 200);
  }

  @Test
  void aMonitorOfANameNobodyHoldsIsToldNoproc() {
    ServerName name = freshName();
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(b, name, downs::add);
    Down down = Await.next(downs);
    assertEquals(name, down.server());
    assertEquals(ExitReason.NOPROC, down.reason());
  }

  @Test
  void aMonitorOfAServerOnAnotherNodeThatIsGoneIsToldNoproc() {
    ServerRef store = startStore(a, freshName(), new LinkedBlockingQueue<>());
    Await.result(GenServer.stop(a, store));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(b, store, downs::add);
    Down down = Await.next(downs);
    assertEquals(store, down.server());
    assertEquals(ExitReason.NOPROC, down.reason());
  }

  @Test
  void aDemonitoredRemoteMonitorIsNotToldAndLeavesNothingOnEitherNode() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    long monitorsOnA = GenServer.stats(a).monitors();
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    MonitorRef monitor = Monitors.monitor(b, store, downs::add);
    Await.until(() -> GenServer.stats(a).monitors() == monitorsOnA + 1, "A keeps a monitor for B");
    assertTrue(Monitors.demonitor(monitor));
    Await.until(() -> GenServer.stats(a).monitors() == monitorsOnA, "A dropped the monitor B no longer wants");
    Await.result(GenServer.stop(b, store));
    Await.nothingFor(downs, 300);
    assertEquals(0, GenServer.stats(b).monitors());
  }

  @Test
  void theServersAddressIsNotSubscribedClusterWideOnlyItsNameAndTheNodesAre() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    io.vertx.core.spi.cluster.ClusterManager manager = ((io.vertx.core.internal.VertxInternal) b).clusterManager();
    assertEquals(List.of(), registrations(manager, store.address()), "a server's own address stays on its node");
    assertEquals(1, registrations(manager, name.address()).size(), "its name is reachable from every node");
    assertEquals(1, registrations(manager, "genserver.node." + TestCluster.id(a)).size(), "as is its node");
  }

  private static List<io.vertx.core.spi.cluster.RegistrationInfo> registrations(
      io.vertx.core.spi.cluster.ClusterManager manager, String address) {
    io.vertx.core.Promise<List<io.vertx.core.spi.cluster.RegistrationInfo>> found = io.vertx.core.Promise.promise();
    manager.getRegistrations(address, found);
    return Await.result(found.future());
  }

  @Test
  void monitorsByNameDemonitoredAtOnceLeaveNothingOnEitherNodeWhetherOrNotTheNameWasLookedUpYet() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    long monitorsOnA = GenServer.stats(a).monitors();
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    // Cold: the name is still being looked up when the demonitor comes.
    assertTrue(Monitors.demonitor(Monitors.monitor(b, name, downs::add)));
    Await.result(GenServer.call(b, name, new Store.Put("k", "v"))); // the name is known now
    // Warm: the monitor request is on its way when the demonitor follows it.
    for (int i = 0; i < 50; i++) {
      assertTrue(Monitors.demonitor(Monitors.monitor(b, name, downs::add)));
    }
    // Sent from this thread after all of them, to the same node: when it is answered, A has seen them all.
    Await.result(GenServer.call(b, store, new Store.Put("k", "v")));
    Await.until(() -> GenServer.stats(a).monitors() == monitorsOnA, "A keeps no monitor for B");
    Await.result(GenServer.stop(b, store));
    Await.nothingFor(downs, 300);
    assertEquals(0, GenServer.stats(b).monitors());
  }

  @Test
  void garbageMonitorDownAndStopMessagesGetBadMessageAndHarmNothing() {
    ServerName name = freshName();
    ServerRef store = startStore(a, name, new LinkedBlockingQueue<>());
    String nodeAddress = "genserver.node." + TestCluster.id(a);
    for (JsonObject garbage : List.of(new JsonObject().put("kind", "monitor"),
        new JsonObject().put("kind", "monitor").put("watch", "w").put("from", "x").put("to", "nonsense"),
        new JsonObject().put("kind", "down").put("reason", "x"),
        new JsonObject().put("kind", "demonitor"),
        new JsonObject().put("kind", "stop").put("to", new io.vertx.core.json.JsonArray().add("ref").add(store.node()).add(store.id()))
            .put("m", new io.vertx.core.json.JsonArray().add("s").add("not a reason")).put("timeout", 1000))) {
      ReplyException refused = assertInstanceOf(ReplyException.class, Await.failure(plain.eventBus().request(nodeAddress, garbage)),
          garbage.encode());
      assertEquals(CallFailure.BAD_MESSAGE.code(), refused.failureCode(), refused.getMessage());
    }
    assertEquals(Optional.of(store), Await.result(GenServer.whereis(b, name)));
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", "v"))));
  }

  /** Registered on A only, with a decoder that throws. */
  record Fragile(String text) {}

  @Test
  void aMessageWhoseDecoderThrowsOnTheReceiverGetsBadMessageAndTheServerLivesOn() {
    MessageTypes.of(a).register(Fragile.class, "fragile", f -> new JsonObject().put("text", f.text()), json -> {
      throw new IllegalStateException("this decoder always throws");
    });
    MessageTypes.of(b).register(Fragile.class, "fragile", f -> new JsonObject().put("text", f.text()),
        json -> new Fragile(json.getString("text")));
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    CallException failure = Await.callFailure(GenServer.call(b, name, new Fragile("x")), CallFailure.BAD_MESSAGE);
    assertTrue(failure.getMessage().contains("fragile"), failure.getMessage());
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", "v"))));
  }

  @Test
  void aStopReasonOfATypeTheCallerCannotReadArrivesAsItsText() {
    ServerName name = freshName();
    startStore(a, name, new LinkedBlockingQueue<>());
    TestLogs.allow("OddReason");
    CallException failure = Await.callFailure(GenServer.call(b, name, new Store.StopOddly()), CallFailure.SERVER_EXITED);
    ExitReason.Custom reason = assertInstanceOf(ExitReason.Custom.class, failure.reason().orElseThrow());
    assertEquals("OddReason[why=odd]", reason.term());
  }
}
