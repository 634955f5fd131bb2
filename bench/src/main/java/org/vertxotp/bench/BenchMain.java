package org.vertxotp.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the benchmarks in one JMH run and prints each of our figures beside its raw Vert.x
 * baseline from that same run, with the ratio. Arguments are JMH's own (e.g. a benchmark regex,
 * {@code -wi 5 -i 10}); without them a short default run of every benchmark.
 */
public final class BenchMain {

  /** Our benchmark and a baseline, both in the same class; one of ours may have several. */
  private static final java.util.List<String[]> PAIRS = new java.util.ArrayList<>();

  static {
    PAIRS.add(new String[] {"CallBench.genServerCallOtherLoop", "CallBench.rawEventBusOtherLoop"});
    PAIRS.add(new String[] {"CallBench.genServerCallSameLoop", "CallBench.rawEventBusSameLoop"});
    PAIRS.add(new String[] {"CallBench.genServerCall16Callers", "CallBench.rawEventBus16Callers"});
    PAIRS.add(new String[] {"CallBench.genServerCallPipelinedSameLoop", "CallBench.rawEventBusPipelinedSameLoop"});
    PAIRS.add(new String[] {"CallBench.genServerCallPipelinedOtherLoop", "CallBench.rawEventBusPipelinedOtherLoop"});
    PAIRS.add(new String[] {"CallBench.genServerCallCallersLoop", "CallBench.rawEventBusCallersLoop"});
    PAIRS.add(new String[] {"CallBench.genServerCallCallersLoop", "CallBench.genServerCallOtherLoop"});
    PAIRS.add(new String[] {"CastBench.genServerCastOtherLoop", "CastBench.rawSendOtherLoop"});
    PAIRS.add(new String[] {"CastBench.genServerCastOtherLoopLimited", "CastBench.rawSendOtherLoop"});
    PAIRS.add(new String[] {"CastBench.genServerCastSameLoop", "CastBench.rawSendSameLoop"});
    PAIRS.add(new String[] {"TimerBench.timersArmCancel", "TimerBench.rawSetTimerArmCancel"});
    PAIRS.add(new String[] {"DeliveryBench.deliveryWorker", "DeliveryBench.rawWebClientLoop"});
    PAIRS.add(new String[] {"DueBench.oneDueAmongAMillionWaiting", "DueBench.naiveScanOfAMillionWaiting"});
    PAIRS.add(new String[] {"DueBench.oneDueAmongAThousandWaiting", "DueBench.oneDueAmongAMillionWaiting"});
  }

  public static void main(String[] args) throws Exception {
    CommandLineOptions cli = new CommandLineOptions(args);
    ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
    if (cli.getIncludes().isEmpty()) {
      options.include("org\\.vertxotp\\.bench\\..*");
    }
    if (!cli.getForkCount().hasValue()) {
      options.forks(1);
    }
    if (!cli.getWarmupIterations().hasValue()) {
      options.warmupIterations(5).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1));
    }
    if (!cli.getMeasurementIterations().hasValue()) {
      options.measurementIterations(5).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1));
    }
    Collection<RunResult> results = new Runner(options.build()).run();

    Map<String, double[]> scores = new LinkedHashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark().replaceFirst("^.*\\.(\\w+\\.\\w+)$", "$1");
      java.util.List<String> params = new java.util.ArrayList<>();
      for (String key : r.getParams().getParamsKeys()) {
        params.add(key + "=" + r.getParams().getParam(key));
      }
      if (!params.isEmpty()) {
        label += params.toString(); // e.g. TimerBench.timersArmCancel[deadline=later, pending=10000]
      }
      scores.put(label, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
    }
    System.out.println();
    System.out.printf("%-62s %16s   %-62s %16s   %s%n", "ours", "score", "baseline (same run)", "score", "ours/baseline");
    for (String[] pair : PAIRS) {
      String oursName = pair[0];
      String baseName = pair[1];
      for (String ours : scores.keySet()) {
        if (!ours.equals(oursName) && !ours.startsWith(oursName + "[")) {
          continue;
        }
        String base = baseName + ours.substring(oursName.length()); // the baseline with the same parameters
        double[] o = scores.get(ours);
        double[] b = scores.get(base);
        if (o != null && b != null) {
          // A ratio only where the error bars do not overlap; otherwise there is no difference to quote.
          String ratio = Math.abs(o[0] - b[0]) <= o[1] + b[1] ? "no difference measured" : String.format("%.2f", o[0] / b[0]);
          System.out.printf("%-62s %8.2f ±%6.2f   %-62s %8.2f ±%6.2f   %s%n", ours, o[0], o[1], base, b[0], b[1], ratio);
        }
      }
    }
    System.out.println("(CallBench in us per round trip, CastBench in ns per cast (sender to handled), TimerBench in ns per arm+cancel, DeliveryBench in deliveries/s,"
        + " higher is better; DueBench in ns per delivery made due, found, dispatched and settled; its last line sets"
        + " ours with a thousand waiting beside ours with a million: how the cost grows)");
    if (!Boolean.getBoolean("bench.skipFootprint")) {
      ServerFootprint.run();
      TimerFootprint.run();
      RestartLatency.run();
      DeliveryThroughput.run();
      DeliveryFootprint.run();
    }
    if (!Boolean.getBoolean("bench.skipCluster")) {
      ClusterCallBench.run();
      SpreadEnqueueBench.run();
      SpreadThroughputBench.run();
    }
  }
}
