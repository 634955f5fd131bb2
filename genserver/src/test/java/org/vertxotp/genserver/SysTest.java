package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

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
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;
import org.vertxotp.genserver.sys.ServerStatistics;
import org.vertxotp.genserver.sys.ServerStatus;
import org.vertxotp.genserver.sys.Sys;
import org.vertxotp.genserver.time.Timers;

/** OTP's {@code sys}: state, status, suspend and resume, statistics, between callbacks. */
@ExtendWith(TestVertx.class)
class SysTest {

  /** Its state: a secret and what it was told, in order. */
  record Vault(String secret, List<String> seen) {}

  /** Records casts; on call "arm" arms two timers, "watch" monitors another server, "defer" answers later. */
  static final class Keeper implements GenServer<String, Vault> {
    private final Vertx vertx;
    private From deferred;

    Keeper(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<Vault> init(String secret) {
      return ok(new Vault(secret, new ArrayList<>()));
    }

    @Override
    public CallResult<Vault> handleCall(Object request, From from, Vault vault) {
      switch ((String) request) {
        case "arm":
          Timers.sendAfter(vertx, Duration.ofHours(1), GenServer.self(), "later");
          Timers.startSingleTimer("k", "keyed", Duration.ofHours(2));
          return reply("armed", vault);
        case "watch":
          Monitors.monitor(vertx, GenServer.whereisLocal(vertx, ServerName.of("other")).orElseThrow());
          return reply("watching", vault);
        case "defer":
          deferred = from;
          return noreply(vault);
        default:
          if (deferred != null) {
            deferred.reply("later");
            deferred = null;
          }
          return reply(vault.seen().size(), vault);
      }
    }

    @Override
    public NoReplyResult<Vault> handleCast(Object message, Vault vault) {
      vault.seen().add((String) message);
      return noreply(vault);
    }

    @Override
    public Object formatStatus(Vault vault) {
      return new Vault("***", vault.seen());
    }
  }

  private ServerRef keeper(Vertx vertx) {
    return Await.result(GenServer.start(vertx, new Keeper(vertx), "hunter2", new StartOptions().setName("keeper")));
  }

  @Test
  void getStateReturnsTheStateAfterEverythingSentBeforeIt(Vertx vertx) {
    ServerRef keeper = keeper(vertx);
    for (int i = 0; i < 100; i++) {
      GenServer.cast(vertx, keeper, "m" + i);
    }
    Vault vault = Await.result(Sys.getState(vertx, keeper));
    assertEquals(100, vault.seen().size());
    assertEquals("hunter2", vault.secret());
  }

  @Test
  void replaceStateChangesTheStateAndAThrowingReplaceLeavesItAndTheServerAsTheyWere(Vertx vertx) {
    ServerRef keeper = keeper(vertx);
    Vault replaced = Await.result(Sys.<Vault>replaceState(vertx, keeper, v -> new Vault("swordfish", v.seen())));
    assertEquals("swordfish", replaced.secret());
    Await.callFailure(Sys.<Vault>replaceState(vertx, keeper, v -> {
      throw new IllegalStateException("no");
    }), CallFailure.BAD_MESSAGE);
    assertEquals("swordfish", Await.<Vault>result(Sys.getState(vertx, keeper)).secret());
  }

  @Test
  void getStatusTellsNameMailboxTimersMonitorsModuleAndTheStateAsFormatStatusShowsIt(Vertx vertx) {
    Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(), new StartOptions().setName("other")));
    ServerRef keeper = keeper(vertx);
    Await.result(GenServer.call(vertx, keeper, "arm"));
    Await.result(GenServer.call(vertx, keeper, "watch"));
    Await.result(Sys.suspend(vertx, keeper));
    GenServer.cast(vertx, keeper, "one");
    GenServer.cast(vertx, keeper, "two");
    ServerStatus status = Await.result(Sys.getStatus(vertx, keeper));
    assertEquals(keeper, status.server());
    assertEquals(Optional.of(ServerName.of("keeper")), status.name());
    assertTrue(status.suspended());
    assertEquals(2, status.mailbox());
    assertEquals(2, status.timers());
    assertEquals(1, status.monitors());
    assertEquals(Keeper.class.getName(), status.module());
    assertEquals("***", ((Vault) status.state()).secret(), "formatStatus hides the secret");
  }

  @Test
  void aSuspendedServerHandlesOnlySystemRequestsAndOnResumeWhatWaitedInOrder(Vertx vertx) {
    ServerRef keeper = keeper(vertx);
    GenServer.cast(vertx, keeper, "before");
    Await.result(Sys.suspend(vertx, keeper));
    GenServer.cast(vertx, keeper, "during 1");
    GenServer.cast(vertx, keeper, "during 2");
    var count = GenServer.<Integer>call(vertx, keeper, "count");
    assertEquals(List.of("before"), Await.<Vault>result(Sys.getState(vertx, keeper)).seen());
    assertFalse(count.isComplete(), "a call waits while the server is suspended");
    Await.result(Sys.resume(vertx, keeper));
    assertEquals(3, (int) Await.result(count), "answered on resume, after what waited before it");
    GenServer.cast(vertx, keeper, "after");
    assertEquals(List.of("before", "during 1", "during 2", "after"), Await.<Vault>result(Sys.getState(vertx, keeper)).seen());
  }

  @Test
  void statisticsCountMessagesAndAnsweredCallsAndTimeCallbacksOnlyWhenAskedTo(Vertx vertx) {
    ServerRef keeper = keeper(vertx);
    GenServer.cast(vertx, keeper, "a");
    var deferred = GenServer.call(vertx, keeper, "defer");
    assertEquals(1, (int) Await.result(GenServer.call(vertx, keeper, "count")));
    assertEquals("later", Await.result(deferred));
    ServerStatistics untimed = Await.result(Sys.statistics(vertx, keeper));
    assertEquals(3, untimed.messagesHandled());
    assertEquals(2, untimed.callsAnswered(), "the deferred call and the counting one");
    assertFalse(untimed.callbackTime().isPresent());
    assertTrue(untimed.startedAtMillis() > 0);
    Await.result(Sys.statistics(vertx, keeper, true));
    GenServer.cast(vertx, keeper, "b");
    ServerStatistics timed = Await.result(Sys.statistics(vertx, keeper));
    assertEquals(4, timed.messagesHandled());
    assertTrue(timed.callbackTime().orElseThrow().toNanos() > 0);
  }

  @Test
  void aSuspendedServerStillStopsWhenAskedToAndRunsItsTerminate(Vertx vertx) {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef probe = Await.result(GenServer.start(vertx, new Probe(vertx), events));
    Await.result(Sys.suspend(vertx, probe));
    GenServer.cast(vertx, probe, "waiting");
    Await.result(GenServer.stop(vertx, probe, ExitReason.normal(), Duration.ofSeconds(10)));
    assertEquals(ExitReason.normal(), Await.next(events), "its terminate ran, with the reason");
    Await.idle(vertx);
  }

  @Test
  void aSupervisorStopsASuspendedChildWithItsTerminateNotAKill(Vertx vertx) {
    Queue<String> log = new ConcurrentLinkedQueue<>();
    ServerRef sup = Await.result(Supervisor.start(vertx,
        SupervisorSpec.oneForOne(
            ChildSpec.worker("kid", Kid::new, new Kid.Args("kid", log)).withName("kid"))));
    Await.result(Sys.suspend(vertx, ServerName.of("kid")));
    Await.result(GenServer.stop(vertx, sup));
    assertEquals(List.of("start:kid", "stop:kid:shutdown"), new ArrayList<>(log));
  }
}
