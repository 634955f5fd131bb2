package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * Sequential call round trips from a verticle, each batch of {@value #BATCH} chained on the
 * caller's event loop. Baseline: raw event-bus request/reply to a consumer, placed the same way.
 *
 * <ul>
 *   <li>{@code *OtherLoop}: the server (consumer) is its own deployment, on another event loop.</li>
 *   <li>{@code *SameLoop}: the server (consumer) runs on the caller's own context.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CallBench {

  static final int BATCH = 2_000;

  private Vertx vertx;
  private Context caller;
  private ServerRef otherLoopServer;
  private ServerRef sameLoopServer;
  private static final String RAW_OTHER = "bench.raw.other";
  private static final String RAW_SAME = "bench.raw.same";

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    caller = Caller.deploy(vertx);
    // The raw consumer for the other-loop baseline is its own deployment, like the server.
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        MessageConsumer<Object> c = vertx.eventBus().consumer(RAW_OTHER, m -> m.reply(m.body()));
        return c.completion();
      }
    }).await();
    otherLoopServer = GenServer.start(vertx, new EchoServer(), null).await();
    Promise<Void> registered = Promise.promise();
    caller.runOnContext(v -> {
      vertx.eventBus().consumer(RAW_SAME, m -> m.reply(m.body())).completion().onComplete(registered);
    });
    registered.future().await();
    Promise<ServerRef> started = Promise.promise();
    caller.runOnContext(v -> GenServer.start(vertx, new EchoServer(), null, new StartOptions().setContext(caller)).onComplete(started));
    sameLoopServer = started.future().await();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  private void batch(Supplier<Future<?>> roundTrip) {
    Promise<Void> done = Promise.promise();
    caller.runOnContext(v -> chain(roundTrip, BATCH, done));
    done.future().await();
  }

  private static void chain(Supplier<Future<?>> roundTrip, int left, Promise<Void> done) {
    if (left == 0) {
      done.complete();
      return;
    }
    roundTrip.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        chain(roundTrip, left - 1, done);
      }
    });
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBusOtherLoop() {
    batch(() -> vertx.eventBus().request(RAW_OTHER, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCallOtherLoop() {
    batch(() -> GenServer.call(vertx, otherLoopServer, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBusSameLoop() {
    batch(() -> vertx.eventBus().request(RAW_SAME, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCallSameLoop() {
    batch(() -> GenServer.call(vertx, sameLoopServer, "ping"));
  }
}
