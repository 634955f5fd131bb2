package org.vertxotp.bench;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;

/**
 * Arm + cancel of one timer on a server's own context: ours against raw setTimer/cancelTimer, with
 * {@code pending} other timers armed an hour out (on each side its own), and each new timer due
 * either after them ({@code later}: it lands behind the earliest) or before them ({@code earlier}:
 * it becomes the earliest, so the wake-up moves).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TimerBench {

  static final int BATCH = 10_000;

  @Param({"0", "10000", "1000000"})
  public int pending;

  @Param({"later", "earlier"})
  public String deadline;

  private Vertx vertx;
  private ServerRef bench;
  private Duration delay;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    bench = GenServer.start(vertx, new TimerWorkbench(vertx), null).await();
    GenServer.call(vertx, bench, new TimerWorkbench.ArmPending(pending, false), Duration.ofMinutes(5)).await();
    GenServer.call(vertx, bench, new TimerWorkbench.ArmPending(pending, true), Duration.ofMinutes(5)).await();
    delay = deadline.equals("later") ? Duration.ofHours(2) : Duration.ofMinutes(30);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object timersArmCancel() {
    return GenServer.call(vertx, bench, new TimerWorkbench.ArmCancel(BATCH, false, delay)).await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object rawSetTimerArmCancel() {
    return GenServer.call(vertx, bench, new TimerWorkbench.ArmCancel(BATCH, true, delay)).await();
  }
}
