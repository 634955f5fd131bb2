package org.vertxotp.bench;


/**
 * The delivery worker's throughput against the raw web-client loop, batch by batch, alternating,
 * in one process: on a small shared machine a run's speed drifts by tens of percent from one
 * minute to the next, which decides a comparison of two runs made one after the other (as JMH
 * makes them) more than the code does. Alternating batches see the same drift; the median of their
 * ratios is the figure. {@link DeliveryBench} measures the same two things under JMH.
 */
public final class DeliveryThroughput {

  static final int WARM_UP_ROUNDS = 40;
  static final int ROUNDS = 60;

  private DeliveryThroughput() {
  }

  public static void main(String[] args) {
    run();
  }

  static void run() {
    DeliveryBench bench = new DeliveryBench();
    bench.setUp();
    try {
      double[] ours = new double[ROUNDS];
      double[] raw = new double[ROUNDS];
      double[] ratios = new double[ROUNDS];
      long ourCpu = 0;
      long rawCpu = 0;
      for (int round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
        // Which side goes first swaps every round, so that the other's garbage and drift fall on both alike.
        boolean oursFirst = (round & 1) == 0;
        long[] cpu = new long[2];
        double first = timed(oursFirst ? bench::deliveryWorker : bench::rawWebClientLoop, cpu, 0);
        double second = timed(oursFirst ? bench::rawWebClientLoop : bench::deliveryWorker, cpu, 1);
        double o = oursFirst ? first : second;
        double r = oursFirst ? second : first;
        if (round >= 0) {
          ours[round] = o;
          raw[round] = r;
          ratios[round] = o / r;
          ourCpu += cpu[oursFirst ? 0 : 1]; // the process CPU clock ticks coarsely: summed over all rounds
          rawCpu += cpu[oursFirst ? 1 : 0];
        }
      }
      System.out.println();
      System.out.printf("%-62s %12s %12s %8s%n", "deliveries/s, " + DeliveryBench.IN_FLIGHT + " in flight, alternating batches of "
          + DeliveryBench.BATCH, "ours", "raw client", "ratio");
      System.out.printf("%-62s %12.0f %12.0f %8.2f%n", "median of " + ROUNDS + " rounds (ratio: median of per-round ratios)",
          median(ours), median(raw), median(ratios));
      System.out.printf("%-62s %12.0f %12.0f %8.2f%n", "  lower quartile", quartile(ours, 1), quartile(raw, 1), quartile(ratios, 1));
      System.out.printf("%-62s %12.0f %12.0f %8.2f%n", "  upper quartile", quartile(ours, 3), quartile(raw, 3), quartile(ratios, 3));
      double perDelivery = 1e3 * ROUNDS * DeliveryBench.BATCH;
      System.out.printf("%-62s %9.1f us %9.1f us %8.2f%n", "process CPU per delivery (sender and peer), all rounds",
          ourCpu / perDelivery, rawCpu / perDelivery, ourCpu / (double) rawCpu);
    } finally {
      bench.tearDown();
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Deliveries per second of one batch; its process CPU time goes to {@code cpu[slot]}. */
  private static double timed(Runnable batch, long[] cpu, int slot) {
    long before = cpuNanos();
    double perSecond = perSecond(batch);
    cpu[slot] = cpuNanos() - before;
    return perSecond;
  }

  private static double perSecond(Runnable batch) {
    long start = System.nanoTime();
    batch.run();
    return DeliveryBench.BATCH / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(double[] values) {
    return Percentile.of(values, 0.5);
  }

  private static double quartile(double[] values, int which) {
    return Percentile.of(values, which / 4.0);
  }
}
