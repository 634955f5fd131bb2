package org.vertxotp.bench;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
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

/** Arm + cancel of one timer on a server's own context: ours against raw setTimer/cancelTimer. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TimerBench {

  static final int BATCH = 10_000;

  private Vertx vertx;
  private ServerRef bench;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    bench = GenServer.start(vertx, new TimerWorkbench(vertx), null).await();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object timersArmCancel() {
    return GenServer.call(vertx, bench, new TimerWorkbench.ArmCancel(BATCH, false)).await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object rawSetTimerArmCancel() {
    return GenServer.call(vertx, bench, new TimerWorkbench.ArmCancel(BATCH, true)).await();
  }
}
