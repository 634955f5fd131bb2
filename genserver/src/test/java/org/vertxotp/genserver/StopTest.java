package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whatever a callback does, a stopping server ends: its name is freed, every monitor is told,
 * every caller fails, every stop and kill waiter completes, and the reason is reported once.
 */
@ExtendWith(TestVertx.class)
class StopTest {

  /** Misbehaves in the way each request names. */
  static final class Faulty implements GenServer<Void, String> {
    private final Future<Void> released;

    Faulty(Future<Void> released) {
      this.released = released;
    }

    @Override
    public InitResult<String> init(Void args) {
      return ok("fine");
    }

    @Override
    public CallResult<String> handleCall(Object request, From from, String state) {
      switch ((String) request) {
        case "reply through From, then stop with a reply":
          from.reply("early");
          return stop(ExitReason.normal(), "late", state);
        case "reply through From, then reply":
          from.reply("early");
          return reply("late", state);
        case "reply twice through From":
          from.reply("early");
          from.reply("again");
          return noreply(state);
        case "stop with a throwing terminate":
          return stop(ExitReason.normal(), "bye", "throw in terminate");
        case "hold":
          return async(released.map(v -> reply("held", state)));
        default:
          return reject("unknown", state);
      }
    }

    @Override
    public NoReplyResult<String> handleCast(Object message, String state) {
      return async(Future.succeededFuture(null)); // a garbage result, late
    }

    @Override
    public void terminate(ExitReason reason, String state) {
      if (state.equals("throw in terminate")) {
        throw new IllegalStateException("terminate failed");
      }
    }
  }

  private record Watched(ServerRef ref, BlockingQueue<Down> downs) {}

  private final Promise<Void> release = Promise.promise();

  private Watched startWatched(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Faulty(release.future()), null, new StartOptions().setName("faulty")));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, ref, downs::add);
    return new Watched(ref, downs);
  }

  /** Everything that must hold once the server ended, whatever the reason; returns that reason. */
  private static ExitReason assertEnded(Vertx vertx, Watched server, Future<?>... waiters) {
    ExitReason reason = Await.next(server.downs()).reason();
    for (Future<?> waiter : waiters) {
      Await.failureOrResult(waiter);
    }
    assertEquals(Optional.empty(), GenServer.whereisLocal(vertx, ServerName.of("faulty")), "name freed");
    Await.idle(vertx);
    Await.until(() -> !TestLogs.reports().isEmpty(), "the crash is reported"); // reports follow the Downs
    assertEquals(1, TestLogs.reports().size(), "reported once: " + TestLogs.reports());
    return reason;
  }

  /** Queues {@code request} and a stop behind a held mailbox, so that a stop waiter waits while the fault happens. */
  private Future<?>[] faultWithAStopWaiting(Vertx vertx, ServerRef ref, String request) {
    Future<Object> held = GenServer.call(vertx, ref, "hold", GenServer.INFINITY);
    Future<Object> faulty = GenServer.call(vertx, ref, request);
    Future<Void> stop = GenServer.stop(vertx, ref);
    release.complete();
    return new Future<?>[] {held, faulty, stop};
  }

  @Test
  void replyingThroughFromThenReturningStopWithAReplyCrashesTheServerCleanlyNamingTheMistake(Vertx vertx) {
    Watched server = startWatched(vertx);
    Future<Object> call = GenServer.call(vertx, server.ref(), "reply through From, then stop with a reply");
    Future<Void> stop = GenServer.stop(vertx, server.ref());
    assertEquals("early", Await.result(call));
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server, stop));
    assertTrue(crash.cause().getMessage().contains("already answered"), crash.cause().getMessage());
  }

  @Test
  void replyingThroughFromThenReturningAReplyCrashesTheServerCleanly(Vertx vertx) {
    Watched server = startWatched(vertx);
    assertEquals("early", Await.result(GenServer.call(vertx, server.ref(), "reply through From, then reply")));
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server));
    assertTrue(crash.cause().getMessage().contains("already answered"), crash.cause().getMessage());
  }

  @Test
  void replyingTwiceThroughFromCrashesInTheCallbackThatDidIt(Vertx vertx) {
    Watched server = startWatched(vertx);
    assertEquals("early", Await.result(GenServer.call(vertx, server.ref(), "reply twice through From")));
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server));
    assertInstanceOf(IllegalStateException.class, crash.cause());
    assertTrue(List.of(crash.cause().getStackTrace()).stream().anyMatch(f -> f.getMethodName().equals("handleCall")),
        "thrown in the callback");
  }

  @Test
  void terminateThatThrowsEndsTheServerWithThatCrashAndItsCallerFails(Vertx vertx) {
    Watched server = startWatched(vertx);
    CallException failed = Await.callFailure(GenServer.call(vertx, server.ref(), "stop with a throwing terminate"),
        CallFailure.SERVER_EXITED);
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server));
    assertEquals("terminate failed", crash.cause().getMessage());
    assertEquals(crash, failed.reason().orElseThrow());
  }

  @Test
  void asyncCallbackCompletingWithGarbageEndsTheServerWithABadReturn(Vertx vertx) {
    Watched server = startWatched(vertx);
    GenServer.cast(vertx, server.ref(), "anything");
    Future<Void> stop = GenServer.stop(vertx, server.ref(), ExitReason.normal(), Duration.ofSeconds(10));
    ExitReason.Crash crash = assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server, stop));
    assertEquals("handleCast", assertInstanceOf(BadReturnException.class, crash.cause()).callback());
  }

  @Test
  void stopAndKillWaitersCompleteWhenTheServerDiesOfAFaultFirst(Vertx vertx) {
    Watched server = startWatched(vertx);
    Future<?>[] waiters = faultWithAStopWaiting(vertx, server.ref(), "reply through From, then stop with a reply");
    assertInstanceOf(ExitReason.Crash.class, assertEnded(vertx, server, waiters));
  }

  @Test
  void aThrowingMonitorHandlerDoesNotKeepTheOthersFromBeingTold(Vertx vertx) {
    TestLogs.allow("handler failed on purpose");
    ServerRef ref = Await.result(GenServer.start(vertx, new Faulty(release.future()), null));
    BlockingQueue<Down> told = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, ref, told::add);
    Monitors.monitor(vertx, ref, down -> {
      throw new IllegalStateException("handler failed on purpose");
    });
    Monitors.monitor(vertx, ref, told::add);
    Await.result(GenServer.stop(vertx, ref));
    assertEquals(ExitReason.normal(), Await.next(told).reason());
    assertEquals(ExitReason.normal(), Await.next(told).reason());
    Await.idle(vertx);
  }

  /** The local table of names, except that it never answers a release. */
  private static final class NeverReleasing implements org.vertxotp.genserver.spi.NameRegistry {
    private final org.vertxotp.genserver.spi.NameRegistry names = org.vertxotp.genserver.spi.NameRegistry.local();

    @Override
    public Future<Optional<ServerRef>> register(ServerName name, ServerRef holder) {
      return names.register(name, holder);
    }

    @Override
    public Future<Void> unregister(ServerName name, ServerRef holder) {
      return Promise.<Void>promise().future();
    }

    @Override
    public Future<Optional<ServerRef>> whereis(ServerName name) {
      return names.whereis(name);
    }

    @Override
    public void onRelease(io.vertx.core.Handler<Released> listener) {
      names.onRelease(listener);
    }
  }

  @Test
  void aStopWhoseNameTheRegistryNeverReleasesStillEndsAfterTheShutdownTime(Vertx vertx) {
    org.vertxotp.genserver.spi.NameRegistry.install(vertx, new NeverReleasing());
    TestLogs.allow("was not released within"); // the toolkit warns of the registry that did not answer
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = Await.result(GenServer.start(vertx, new Probe(vertx), events,
        new StartOptions().setName("held").setShutdownTimeout(Duration.ofMillis(100))));
    Await.result(GenServer.stop(vertx, server)); // would wait for ever for the registry's answer
    assertEquals(0, GenServer.stats(vertx).servers(), "gone, and counted gone");
  }
}
