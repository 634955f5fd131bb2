package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.time.Timers;

/**
 * Confinement is per context, not per thread: on one event loop many verticles and servers share
 * a thread, and none of them may run as if it were another, or inside another's call stack.
 * The scenarios that need a shared thread make their own Vert.x with one event loop.
 */
@ExtendWith(TestVertx.class)
class ConfinementTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  private static <T> T onOneEventLoop(java.util.function.Function<Vertx, T> scenario) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      return scenario.apply(vertx);
    } finally {
      Await.result(vertx.close());
    }
  }

  /** A verticle that arms a timer to a server when it starts. */
  static final class TimerArmingVerticle extends VerticleBase {
    private final ServerRef target;

    TimerArmingVerticle(ServerRef target) {
      this.target = target;
    }

    @Override
    public Future<?> start() {
      Timers.sendAfter(vertx, Duration.ofMillis(300), target, "from the verticle");
      return Future.succeededFuture();
    }
  }

  private List<Object> nextMessages(int count) {
    List<Object> got = new ArrayList<>();
    while (got.size() < count) {
      got.add(((Ticker.Got) Await.next(events)).message());
    }
    return got;
  }

  @Test
  void timerArmedFromAVerticleThatIsThenUndeployedStillFiresAndTheServersOwnTimersKeepWorking() {
    onOneEventLoop(vertx -> {
      ServerRef ticker = Await.result(GenServer.start(vertx, new Ticker(vertx), events));
      String verticle = Await.result(vertx.deployVerticle(new TimerArmingVerticle(ticker)));
      Await.result(vertx.undeploy(verticle));
      Await.result(GenServer.call(vertx, ticker, Ticker.Arm.self(2000, "its own")));
      Await.result(GenServer.call(vertx, ticker, new Ticker.Keyed("k", "keyed", 1000)));
      assertEquals(Set.of("from the verticle", "keyed", "its own"), Set.copyOf(nextMessages(3)));
      return null;
    });
  }

  @Test
  void messagesAServerSentBeforeItStoppedArriveBeforeItsDown() {
    onOneEventLoop(vertx -> {
      BlockingQueue<Object> watched = new LinkedBlockingQueue<>();
      ServerRef watcher = Await.result(GenServer.start(vertx, new Recorder(vertx), watched));
      // The sender shares a context with nobody's verticle and stops without an undeploy in between.
      ServerRef sender = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(),
          new StartOptions().setContext(vertx.getOrCreateContext())));
      Await.result(GenServer.call(vertx, watcher, new Recorder.Watch(sender)));
      assertEquals("sent", Await.result(GenServer.call(vertx, sender, new Recorder.SendThenStop(watcher, 100))));
      for (int i = 0; i < 100; i++) {
        assertEquals(i, Await.next(watched), "message " + i + " before the Down");
      }
      assertEquals(ExitReason.normal(), assertInstanceOf(Down.class, Await.next(watched)).reason());
      return null;
    });
  }

  /** Hosts a server on its own context and, on request, kills it and looks whether a watcher already ran. */
  static final class Host extends VerticleBase {
    ServerRef hosted;

    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(), new StartOptions().setContext(context))
          .onSuccess(ref -> hosted = ref);
    }

    Future<Boolean> killAndLook(AtomicBoolean watcherRan) {
      Promise<Boolean> seen = Promise.promise();
      context.runOnContext(v -> {
        GenServer.kill(vertx, hosted);
        seen.complete(watcherRan.get());
      });
      return seen.future();
    }
  }

  @Test
  void aServerDyingInsideAVerticlesCallDoesNotRunItsWatcherInsideThatCall() {
    onOneEventLoop(vertx -> {
      AtomicBoolean watcherRan = new AtomicBoolean();
      BlockingQueue<Object> downs = new LinkedBlockingQueue<>() {
        @Override
        public boolean add(Object o) {
          watcherRan.set(true);
          return super.add(o);
        }
      };
      Host host = new Host();
      Await.result(vertx.deployVerticle(host));
      ServerRef watcher = Await.result(GenServer.start(vertx, new Recorder(vertx), downs));
      Await.result(GenServer.call(vertx, watcher, new Recorder.Watch(host.hosted)));
      assertFalse(Await.result(host.killAndLook(watcherRan)), "the watcher's handleInfo ran inside the verticle's kill()");
      assertEquals(ExitReason.KILLED, assertInstanceOf(Down.class, Await.next(downs)).reason());
      return null;
    });
  }

  /** Completes the promise it is sent, in its callback. */
  static final class Completer implements GenServer<Void, Void> {
    @Override
    public InitResult<Void> init(Void args) {
      return Results.ok(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public NoReplyResult<Void> handleCast(Object promise, Void s) {
      ((Promise<Void>) promise).complete();
      return Results.noreply(s);
    }
  }

  @Test
  void aVerticlesListenerThatAServersCallbackRunsInlineIsNotThatServersCode() {
    onOneEventLoop(vertx -> {
      ServerRef completer = Await.result(GenServer.start(vertx, new Completer(), null));
      BlockingQueue<Object> selves = new LinkedBlockingQueue<>();
      Promise<Promise<Void>> made = Promise.promise();
      Await.result(vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          // A future of this verticle's context: Vert.x runs its listener inline when the completing
          // code (the server's callback) is on the same event-loop thread.
          Promise<Void> ofThisVerticle = ((io.vertx.core.internal.ContextInternal) context).promise();
          ofThisVerticle.future().onComplete(ar -> {
            try {
              selves.add(GenServer.self());
            } catch (IllegalStateException notAServer) {
              selves.add(notAServer);
            }
          });
          made.complete(ofThisVerticle);
          return Future.succeededFuture();
        }
      }));
      GenServer.cast(vertx, completer, Await.result(made.future()));
      assertInstanceOf(IllegalStateException.class, Await.next(selves), "the verticle's code is not the server's");
      return null;
    });
  }

  @Test
  void aMonitorHandlerRunsOnTheContextItWasSetUpFromNeverOnTheDyingServers(Vertx vertx) {
    ServerRef target = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>()));
    Context serverContext = Await.result(GenServer.call(vertx, target, new Recorder.WhereAmI()));
    Context verticleContext = vertx.getOrCreateContext();
    BlockingQueue<Context> ranOn = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, target, down -> ranOn.add(Vertx.currentContext())); // from the test thread: no context
    Promise<Void> set = Promise.promise();
    verticleContext.runOnContext(v -> {
      Monitors.monitor(vertx, target, down -> ranOn.add(Vertx.currentContext()));
      set.complete();
    });
    Await.result(set.future());
    Await.result(GenServer.stop(vertx, target));
    List<Context> contexts = List.of(Await.next(ranOn), Await.next(ranOn));
    contexts.forEach(c -> assertNotSame(serverContext, c, "a handler ran in the dying server's stop"));
    assertEquals(1, contexts.stream().filter(c -> c == verticleContext).count(), "the verticle's handler ran on its context");
  }

  @Test
  void aFutureOfAStartOnAnotherContextCompletesOnTheCallersContext(Vertx vertx) {
    Context caller = vertx.getOrCreateContext();
    Context host = vertx.getOrCreateContext();
    Promise<Context> completedOn = Promise.promise();
    caller.runOnContext(v -> GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(),
            new StartOptions().setContext(host))
        .onComplete(ar -> completedOn.complete(Vertx.currentContext())));
    assertSame(caller, Await.result(completedOn.future()));
  }
}
