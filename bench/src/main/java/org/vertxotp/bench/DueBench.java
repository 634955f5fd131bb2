package org.vertxotp.bench;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.engine.Effect;
import org.vertxotp.delivery.engine.Event;
import org.vertxotp.delivery.engine.RetryEngine;

/**
 * What finding the due deliveries costs the retry engine when {@value #PENDING} others wait (due
 * in ten years): one delivery becomes due, a wake finds it, it is dispatched and settled. The same
 * with {@value #FEW} waiting shows how the cost grows with what waits. Baseline: the naive design
 * doing the same, a map of due times scanned whole on each wake, over the same {@value #PENDING}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DueBench {

  static final int PENDING = 1_000_000;
  static final int FEW = 1_000;
  private static final long TEN_YEARS = 10L * 365 * 24 * 3600 * 1000;
  private static final JsonObject PAYLOAD = new JsonObject().put("type", "Note");

  /** An engine with {@code count} deliveries waiting; each benchmark has its own, so no other one's heap weighs on it. */
  abstract static class Waiting {
    RetryEngine engine;
    long now;
    long next;

    void fill(int count) {
      engine = new RetryEngine(new RetryEngine.Settings(RetryPolicy.http(), BreakerPolicy.http(), 4), () -> 0);
      for (int i = 0; i < count; i++) {
        KeptWrites.apply(engine, new Event.Enqueue(new Delivery("w" + i, "http://peer/inbox", PAYLOAD), TEN_YEARS + i, i), 0);
      }
    }

    /** Enqueue one due a millisecond later (its write kept), wake then, dispatch it, settle it delivered (that write kept too). */
    void oneDue(Blackhole sink) {
      long at = ++now;
      KeptWrites.apply(engine, new Event.Enqueue(new Delivery("d" + next++, "http://peer/inbox", PAYLOAD), 1, next), at - 1);
      List<Effect> effects = engine.apply(new Event.Due(), at);
      for (Effect effect : effects) {
        if (effect instanceof Effect.Dispatch dispatch) {
          sink.consume(KeptWrites.apply(engine, new Event.Settled(dispatch.ticket(), new Outcome.Delivered(202)), at));
        }
      }
    }
  }

  @State(Scope.Benchmark)
  public static class MillionWaiting extends Waiting {
    @Setup(Level.Trial)
    public void setUp() {
      fill(PENDING);
    }
  }

  @State(Scope.Benchmark)
  public static class ThousandWaiting extends Waiting {
    @Setup(Level.Trial)
    public void setUp() {
      fill(FEW);
    }
  }

  /** The naive design's state: every pending delivery's due time, by id. */
  @State(Scope.Benchmark)
  public static class NaiveMillionWaiting {
    final Map<String, Long> dueById = new HashMap<>();
    long now;
    long next;

    @Setup(Level.Trial)
    public void setUp() {
      for (int i = 0; i < PENDING; i++) {
        dueById.put("w" + i, TEN_YEARS + i);
      }
    }
  }

  @Benchmark
  public void oneDueAmongAMillionWaiting(MillionWaiting waiting, Blackhole sink) {
    waiting.oneDue(sink);
  }

  @Benchmark
  public void oneDueAmongAThousandWaiting(ThousandWaiting waiting, Blackhole sink) {
    waiting.oneDue(sink);
  }

  /**
   * The naive design doing the same work: one more delivery due a millisecond later, then a wake
   * that looks at every pending due time, and what is due taken out (dispatched and settled).
   */
  @Benchmark
  public int naiveScanOfAMillionWaiting(NaiveMillionWaiting naive) {
    long at = ++naive.now;
    naive.dueById.put("d" + naive.next++, at);
    List<String> due = new ArrayList<>(1);
    for (Map.Entry<String, Long> waiting : naive.dueById.entrySet()) {
      if (waiting.getValue() <= at) {
        due.add(waiting.getKey());
      }
    }
    due.forEach(naive.dueById::remove);
    return due.size();
  }
}
