package org.vertxotp.bench;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.function.IntFunction;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * What JMH does not measure well: memory per idle server, and the time to start and stop one, over
 * {@value #SERVERS} servers, beside the raw Vert.x equivalent in the same process.
 *
 * <ul>
 *   <li>Default placement: each server is its own verticle. Baseline: a verticle that registers one
 *       local consumer.</li>
 *   <li>Co-located: every server on one verticle's context ({@code StartOptions.setContext}).
 *       Baseline: local consumers registered on that context.</li>
 *   <li>Both again with {@code StartOptions.setOwnAddress(false)}: no consumer at the server's
 *       own address, beside the same baselines.</li>
 * </ul>
 * Starts and stops are made from one verticle's context, {@value #IN_FLIGHT} in flight, the same
 * for both sides; the time per server is the whole run's divided by the count. Memory is the heap
 * in use after collecting, with the servers up, minus before; the references the benchmark keeps
 * are allocated beforehand. With {@code -Dbench.histogram=true} the classes that grew are listed.
 */
public final class ServerFootprint {

  static final int SERVERS = Integer.getInteger("bench.servers", 100_000);
  static final int WARM_UP = 20_000;
  static final int IN_FLIGHT = 64;
  static final int ROUNDS = 3;

  /** The idle server: it holds no state and does nothing. */
  static final class Idle implements GenServer<Void, Void> {
    @Override
    public InitResult<Void> init(Void args) {
      return ok(null);
    }
  }

  /** The baseline of a server of its own: a verticle with one consumer. */
  static final class RawVerticle extends VerticleBase {
    private final String address;
    private final Handler<Message<Object>> handler;

    RawVerticle(String address, Handler<Message<Object>> handler) {
      this.address = address;
      this.handler = handler;
    }

    @Override
    public Future<?> start() {
      return vertx.eventBus().localConsumer(address, handler).completion();
    }
  }

  /** One side of a comparison: starts server {@code i} (keeping what stops it), stops it. */
  interface Side {
    Future<?> start(int i);

    Future<?> stop(int i);
  }

  /** Figures of one side: bytes per server, µs per start, µs per stop. */
  record Figures(double bytes, double startMicros, double stopMicros, List<String> histogram) {
  }

  private ServerFootprint() {
  }

  public static void main(String[] args) {
    run();
  }

  static void run() {
    Vertx vertx = Vertx.vertx();
    try {
      Context from = Caller.deploy(vertx);
      Object[] kept = new Object[SERVERS];
      Handler<Message<Object>> ignore = m -> { };
      IntFunction<String> address = i -> "bench.footprint." + i;
      Side ours = oursWith(vertx, kept, new StartOptions());
      Side oursNoAddress = oursWith(vertx, kept, new StartOptions().setOwnAddress(false));
      Side oursHereNoAddress = oursWith(vertx, kept, new StartOptions().setContext(from).setOwnAddress(false));
      Side raw = new Side() {
        public Future<?> start(int i) {
          return vertx.deployVerticle(new RawVerticle(address.apply(i), ignore)).onSuccess(id -> kept[i] = id);
        }

        public Future<?> stop(int i) {
          return vertx.undeploy((String) kept[i]);
        }
      };
      Side oursHere = oursWith(vertx, kept, new StartOptions().setContext(from));
      Side rawHere = new Side() {
        public Future<?> start(int i) {
          MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(address.apply(i), ignore);
          kept[i] = consumer;
          return consumer.completion();
        }

        public Future<?> stop(int i) {
          return ((MessageConsumer<?>) kept[i]).unregister();
        }
      };
      // Warm every path so that class loading and JIT do not count.
      List<Side> sides = List.of(ours, raw, oursHere, rawHere, oursNoAddress, oursHereNoAddress);
      for (Side side : sides) {
        measure(from, side, WARM_UP, false);
      }
      boolean histogram = Boolean.getBoolean("bench.histogram");
      Figures[][] runs = new Figures[sides.size()][ROUNDS];
      for (int round = 0; round < ROUNDS; round++) {
        // Alternating, so that neither side always runs on a fuller (or emptier) heap.
        for (int side = 0; side < sides.size(); side++) {
          runs[side][round] = measure(from, sides.get(side), SERVERS, histogram && round == 0);
        }
      }
      System.out.println();
      System.out.printf("%-58s %12s %12s %8s%n", "servers (" + SERVERS + ", median of " + ROUNDS + ")", "ours", "raw", "ratio");
      print("memory per idle server, own verticle", "B", runs[0], runs[1], Figures::bytes);
      print("memory per idle server, co-located on one context", "B", runs[2], runs[3], Figures::bytes);
      print("memory per idle server, own verticle, no own address", "B", runs[4], runs[1], Figures::bytes);
      print("memory per idle server, co-located, no own address", "B", runs[5], runs[3], Figures::bytes);
      print("start per server, own verticle (" + IN_FLIGHT + " in flight)", "µs", runs[0], runs[1], Figures::startMicros);
      print("start per server, co-located", "µs", runs[2], runs[3], Figures::startMicros);
      print("start per server, own verticle, no own address", "µs", runs[4], runs[1], Figures::startMicros);
      print("start per server, co-located, no own address", "µs", runs[5], runs[3], Figures::startMicros);
      print("stop per server, own verticle", "µs", runs[0], runs[1], Figures::stopMicros);
      print("stop per server, co-located", "µs", runs[2], runs[3], Figures::stopMicros);
      print("stop per server, own verticle, no own address", "µs", runs[4], runs[1], Figures::stopMicros);
      print("stop per server, co-located, no own address", "µs", runs[5], runs[3], Figures::stopMicros);
      if (histogram) {
        String[] labels = {"ours, own verticle", "raw verticle + consumer", "ours, co-located",
            "raw consumers on one context", "ours, own verticle, no own address", "ours, co-located, no own address"};
        for (int i = 0; i < labels.length; i++) {
          System.out.println("  what grew per server, " + labels[i] + ":");
          runs[i][0].histogram().forEach(System.out::println);
        }
      }
    } finally {
      vertx.close().await();
    }
  }

  /** Our idle servers started with {@code options}. */
  private static Side oursWith(Vertx vertx, Object[] kept, StartOptions options) {
    return new Side() {
      public Future<?> start(int i) {
        return GenServer.start(vertx, new Idle(), null, options).onSuccess(ref -> kept[i] = ref);
      }

      public Future<?> stop(int i) {
        return GenServer.stop(vertx, (ServerRef) kept[i]);
      }
    };
  }

  private static void print(String what, String unit, Figures[] ours, Figures[] raw,
                            java.util.function.ToDoubleFunction<Figures> figure) {
    double o = median(ours, figure);
    double r = median(raw, figure);
    String format = unit.equals("B") ? "%-58s %9.0f %-2s %9.0f %-2s %8.2f%n" : "%-58s %9.2f %-2s %9.2f %-2s %8.2f%n";
    System.out.printf(format, what, o, unit, r, unit, o / r);
  }

  private static double median(Figures[] runs, java.util.function.ToDoubleFunction<Figures> figure) {
    double[] values = new double[runs.length];
    for (int i = 0; i < runs.length; i++) {
      values[i] = figure.applyAsDouble(runs[i]);
    }
    return Percentile.of(values, 0.5);
  }

  private static Figures measure(Context from, Side side, int count, boolean histogram) {
    long before = Heap.used();
    ClassHistogram classesBefore = histogram ? ClassHistogram.take() : null;
    long began = System.nanoTime();
    runAll(from, side::start, count);
    double startMicros = (System.nanoTime() - began) / 1e3 / count;
    long after = Heap.used();
    List<String> grown = histogram ? ClassHistogram.take().growthSince(classesBefore, count, Integer.getInteger("bench.histogramLines", 14)) : List.of();
    began = System.nanoTime();
    runAll(from, side::stop, count);
    double stopMicros = (System.nanoTime() - began) / 1e3 / count;
    return new Figures((after - before) / (double) count, startMicros, stopMicros, grown);
  }

  /** {@code action(0 … count-1)}, from {@code from}'s context, {@value #IN_FLIGHT} in flight. */
  private static void runAll(Context from, IntFunction<Future<?>> action, int count) {
    int[] next = {0};
    try {
      InFlight.run(from, () -> action.apply(next[0]++), count, IN_FLIGHT).await(5, java.util.concurrent.TimeUnit.MINUTES);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("stuck after " + next[0] + " of " + count, e);
    }
  }
}
