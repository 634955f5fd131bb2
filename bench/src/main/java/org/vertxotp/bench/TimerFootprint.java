package org.vertxotp.bench;

import io.vertx.core.Vertx;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;

/**
 * What JMH does not measure well: memory per pending timer and firing lateness, for the
 * toolkit's timers and raw {@code vertx.setTimer} in the same process, on the same server context.
 */
public final class TimerFootprint {

  static final int PENDING = 200_000;
  static final int LATE_COUNT = 100_000;
  static final long LATE_SPREAD_MILLIS = 1_000;
  /** Arming 100k timers takes tens of milliseconds; deadlines start after that. */
  static final long LATE_OFFSET_MILLIS = 250;
  static final int LATE_RUNS = 3;

  private TimerFootprint() {
  }

  /** Runs only these measurements, without JMH. */
  public static void main(String[] args) {
    run();
  }

  /** Prints the table; measures in this JVM. */
  static void run() {
    Vertx vertx = Vertx.vertx();
    try {
      ServerRef bench = GenServer.start(vertx, new TimerWorkbench(vertx), null).await();
      // Warm both paths so that class loading and JIT do not count as footprint or lateness.
      call(vertx, bench, new TimerWorkbench.ArmPending(20_000, false));
      call(vertx, bench, new TimerWorkbench.ArmPending(20_000, true));
      call(vertx, bench, new TimerWorkbench.CancelPending());
      call(vertx, bench, new TimerWorkbench.Lateness(20_000, LATE_OFFSET_MILLIS, 200, false));
      call(vertx, bench, new TimerWorkbench.Lateness(20_000, LATE_OFFSET_MILLIS, 200, true));

      double ours = bytesPerTimer(vertx, bench, false);
      double raw = bytesPerTimer(vertx, bench, true);
      // A young-generation pause inside the one-second window decides a run's p99, so each side
      // runs three times, interleaved, and the medians are reported.
      double[][] ourRuns = new double[LATE_RUNS][];
      double[][] rawRuns = new double[LATE_RUNS][];
      for (int run = 0; run < LATE_RUNS; run++) {
        ourRuns[run] = (double[]) call(vertx, bench,
            new TimerWorkbench.Lateness(LATE_COUNT, LATE_OFFSET_MILLIS, LATE_SPREAD_MILLIS, false));
        rawRuns[run] = (double[]) call(vertx, bench,
            new TimerWorkbench.Lateness(LATE_COUNT, LATE_OFFSET_MILLIS, LATE_SPREAD_MILLIS, true));
      }
      double[] ourLate = {median(ourRuns, 0), median(ourRuns, 1)};
      double[] rawLate = {median(rawRuns, 0), median(rawRuns, 1)};

      System.out.println();
      System.out.printf("%-56s %12s %12s %8s%n", "timers (same process, one server context)", "ours", "raw setTimer", "ratio");
      System.out.printf("%-56s %10.0f B %10.0f B %8.2f%n", "memory per pending timer (" + PENDING + ")", ours, raw, ours / raw);
      System.out.printf("%-56s %9.2f ms %9.2f ms %8.2f%n", "lateness p50 (" + LATE_COUNT + " over 1 s, median of 3)", ourLate[0], rawLate[0], ourLate[0] / rawLate[0]);
      System.out.printf("%-56s %9.2f ms %9.2f ms %8.2f%n", "lateness p99 (" + LATE_COUNT + " over 1 s, median of 3)", ourLate[1], rawLate[1], ourLate[1] / rawLate[1]);
    } finally {
      vertx.close().await();
    }
  }

  private static double median(double[][] runs, int column) {
    double[] values = new double[runs.length];
    for (int i = 0; i < runs.length; i++) {
      values[i] = runs[i][column];
    }
    return Percentile.of(values, 0.5);
  }

  private static double bytesPerTimer(Vertx vertx, ServerRef bench, boolean raw) {
    long before = Heap.used();
    call(vertx, bench, new TimerWorkbench.ArmPending(PENDING, raw));
    long after = Heap.used();
    call(vertx, bench, new TimerWorkbench.CancelPending());
    // The refs (or ids) the workbench keeps for cancelling count: cancel and read need them.
    return (after - before) / (double) PENDING;
  }

  private static Object call(Vertx vertx, ServerRef bench, Object request) {
    return GenServer.call(vertx, bench, request, GenServer.INFINITY).await();
  }
}
