package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
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
 * Call round trips from verticles, in batches of {@value #BATCH}. Baseline: raw event-bus
 * request/reply to a consumer, placed the same way.
 *
 * <ul>
 *   <li>{@code *OtherLoop}: the server (consumer) is its own deployment, on another event loop
 *       than the caller's (checked by the event loop's identity at set-up).</li>
 *   <li>{@code *SameLoop}: the server (consumer) runs on the caller's own context.</li>
 *   <li>{@code *16Callers}: {@value #CALLERS} callers on contexts of their own, one call at a time
 *       each, to the other-loop server.</li>
 *   <li>{@code *Pipelined*}: one caller keeping {@value #IN_FLIGHT} calls in flight.</li>
 *   <li>{@code *CallersLoop}: the server (consumer) on a context of its own that runs on the
 *       caller's event loop: what placing a server on its heaviest caller's loop would give
 *       (the cross-loop study; today a user gets it with {@code StartOptions.setContext}).</li>
 * </ul>
 * Sequential and many-caller batches chain each call on its caller's context.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CallBench {

  static final int BATCH = 2_000;
  static final int CALLERS = 16;
  static final int IN_FLIGHT = 64;

  private Vertx vertx;
  private Context caller;
  private ServerRef otherLoopServer;
  private ServerRef sameLoopServer;
  private static final String RAW_OTHER = "bench.raw.other";
  private static final String RAW_SAME = "bench.raw.same";
  private static final String RAW_CALLERS_LOOP = "bench.raw.callers-loop";
  private ServerRef callersLoopServer;

  /** Callers on their own contexts for the many-callers case, spread over the event loops as Vert.x deploys them. */
  private final List<Context> callers = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    caller = Caller.deploy(vertx);
    // The raw consumer for the other-loop baseline is its own deployment, like the server; both
    // really run on another event loop than the caller (checked by the loop's identity).
    OtherLoop.rawConsumer(vertx, caller, RAW_OTHER, () -> m -> m.reply(m.body()));
    otherLoopServer = OtherLoop.server(vertx, caller, EchoServer::new, new StartOptions());
    Caller.on(caller, () -> vertx.eventBus().consumer(RAW_SAME, m -> m.reply(m.body())).completion());
    sameLoopServer = Caller.on(caller,
        () -> GenServer.start(vertx, new EchoServer(), null, new StartOptions().setContext(caller)));
    for (int i = 0; i < CALLERS; i++) {
      callers.add(Caller.deploy(vertx));
    }
    Context serverOwn = onCallersLoop();
    callersLoopServer = Caller.on(serverOwn,
        () -> GenServer.start(vertx, new EchoServer(), null, new StartOptions().setContext(serverOwn)));
    Context rawOwn = onCallersLoop();
    Caller.on(rawOwn, () -> vertx.eventBus().consumer(RAW_CALLERS_LOOP, m -> m.reply(m.body())).completion());
  }

  /** A new context of no deployment, driven by the caller's event loop. */
  private Context onCallersLoop() {
    return ((VertxInternal) vertx).contextBuilder()
        .withEventLoop(((ContextInternal) caller).nettyEventLoop()).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  private void batch(Supplier<Future<?>> roundTrip) {
    InFlight.run(caller, roundTrip, BATCH, 1).await();
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

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBusCallersLoop() {
    batch(() -> vertx.eventBus().request(RAW_CALLERS_LOOP, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCallCallersLoop() {
    batch(() -> GenServer.call(vertx, callersLoopServer, "ping"));
  }

  private static void pipelined(Context from, Supplier<Future<?>> roundTrip, int count, int inFlight) {
    InFlight.run(from, roundTrip, count, inFlight).await();
  }

  /** {@value #CALLERS} callers, each on its own context, each with one call at a time, to one server. */
  private void manyCallers(Supplier<Future<?>> roundTrip) {
    List<Future<Void>> all = new ArrayList<>();
    for (Context from : callers) {
      all.add(InFlight.run(from, roundTrip, BATCH / CALLERS, 1));
    }
    Future.all(all).await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBus16Callers() {
    manyCallers(() -> vertx.eventBus().request(RAW_OTHER, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCall16Callers() {
    manyCallers(() -> GenServer.call(vertx, otherLoopServer, "ping"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBusPipelinedSameLoop() {
    pipelined(caller, () -> vertx.eventBus().request(RAW_SAME, "ping"), BATCH, IN_FLIGHT);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCallPipelinedSameLoop() {
    pipelined(caller, () -> GenServer.call(vertx, sameLoopServer, "ping"), BATCH, IN_FLIGHT);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawEventBusPipelinedOtherLoop() {
    pipelined(caller, () -> vertx.eventBus().request(RAW_OTHER, "ping"), BATCH, IN_FLIGHT);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCallPipelinedOtherLoop() {
    pipelined(caller, () -> GenServer.call(vertx, otherLoopServer, "ping"), BATCH, IN_FLIGHT);
  }
}
