package org.vertxotp.bench;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
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
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * Cast throughput: one sender on a verticle's context casts {@value #BATCH} messages, then one call
 * (one request for the raw side) waits until the receiver handled them all: the receiver keeps
 * up, so nothing piles up beyond a batch. Baseline: raw event-bus {@code send} to a consumer,
 * placed the same way, counting what it receives as the server does.
 *
 * <ul>
 *   <li>{@code *OtherLoop}: the server (consumer) is its own deployment on another event loop
 *       (checked at set-up), the default placement; sender and receiver run in parallel.</li>
 *   <li>{@code genServerCastOtherLoopLimited}: the same server with a mailbox limit above the
 *       batch, so nothing is dropped but every cast is counted against the limit.</li>
 *   <li>{@code *SameLoop}: the server (consumer) runs on the sender's own context.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CastBench {

  static final int BATCH = 10_000;
  private static final String RAW_OTHER = "bench.cast.raw.other";
  private static final String RAW_SAME = "bench.cast.raw.same";
  private static final String CAST = "cast";

  /** Counts casts; the call {@code "count"} answers how many it handled, {@code "context"} where it runs. */
  static final class Counter implements GenServer<Void, long[]> {
    @Override
    public InitResult<long[]> init(Void args) {
      return ok(new long[1]);
    }

    @Override
    public NoReplyResult<long[]> handleCast(Object message, long[] count) {
      count[0]++;
      return noreply(count);
    }

    @Override
    public CallResult<long[]> handleCall(Object request, From from, long[] count) {
      return "context".equals(request) ? reply(Vertx.currentContext(), count) : reply(count[0], count);
    }
  }

  private Vertx vertx;
  private Context sender;
  private ServerRef otherLoop;
  private ServerRef otherLoopLimited;
  private ServerRef sameLoop;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    sender = Caller.deploy(vertx);
    OtherLoop.rawConsumer(vertx, sender, RAW_OTHER, CastBench::counting);
    otherLoop = OtherLoop.server(vertx, sender, Counter::new, new StartOptions());
    otherLoopLimited = OtherLoop.server(vertx, sender, Counter::new, new StartOptions().setMailboxLimit(4 * BATCH));
    Caller.on(sender, () -> vertx.eventBus().consumer(RAW_SAME, counting()).completion());
    sameLoop = Caller.on(sender, () -> GenServer.start(vertx, new Counter(), null, new StartOptions().setContext(sender)));
  }

  /** The raw receiver: counts what is sent, and answers a request with the count, as the server does. */
  private static Handler<Message<Object>> counting() {
    long[] count = new long[1];
    return m -> {
      if (m.replyAddress() == null) {
        count[0]++;
      } else {
        m.reply(count[0]);
      }
    };
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  /** A batch of casts (or sends) from the sender's context, then one round trip behind them. */
  private void batch(Runnable cast, Supplier<Future<?>> sync) {
    Promise<Object> done = Promise.promise();
    sender.runOnContext(v -> {
      for (int i = 0; i < BATCH; i++) {
        cast.run();
      }
      sync.get().onComplete(ar -> done.handle(ar.map(r -> (Object) r)));
    });
    done.future().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCastOtherLoop() {
    batch(() -> GenServer.cast(vertx, otherLoop, CAST), () -> GenServer.call(vertx, otherLoop, "count"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCastOtherLoopLimited() {
    batch(() -> GenServer.cast(vertx, otherLoopLimited, CAST), () -> GenServer.call(vertx, otherLoopLimited, "count"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawSendOtherLoop() {
    EventBus bus = vertx.eventBus();
    batch(() -> bus.send(RAW_OTHER, CAST), () -> bus.request(RAW_OTHER, "count"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void genServerCastSameLoop() {
    batch(() -> GenServer.cast(vertx, sameLoop, CAST), () -> GenServer.call(vertx, sameLoop, "count"));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawSendSameLoop() {
    EventBus bus = vertx.eventBus();
    batch(() -> bus.send(RAW_SAME, CAST), () -> bus.request(RAW_SAME, "count"));
  }
}
