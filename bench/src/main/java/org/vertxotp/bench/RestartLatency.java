package org.vertxotp.bench;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * How long a crashed, supervised, named server is unavailable: from the crash to the first reply
 * by name from its restarted incarnation. Baseline from the same process: undeploying a verticle
 * that serves an event-bus address, deploying a fresh one and getting its first reply. Both sides
 * do the same: one awaited trigger (the crash call, the undeploy), then requests that fail at once
 * until the new one answers (spinning alike); {@value #ROUNDS} rounds each, alternating. The
 * toolkit's crash reports are silenced for the run: hundreds of stack traces would bury the
 * figures, and their cost is the logging backend's (about 0.7 ms each with the JDK's console
 * handler, less with an asynchronous appender).
 */
public final class RestartLatency {

  static final int WARM_UP = 500;
  static final int ROUNDS = 10_000;
  static final String NAME = "restarted";
  static final String RAW_ADDRESS = "bench.raw.restart";

  /** The baseline: a verticle serving one address. */
  static final class RawEcho extends VerticleBase {
    @Override
    public Future<?> start() {
      return vertx.eventBus().consumer(RAW_ADDRESS, m -> m.reply("pong")).completion();
    }
  }

  private RestartLatency() {
  }

  public static void main(String[] args) {
    run();
  }

  /** Held so that the level set on it stays set. */
  private static final java.util.logging.Logger CRASH_REPORTS = java.util.logging.Logger.getLogger("org.vertxotp.genserver");

  static void run() {
    java.util.logging.Level level = CRASH_REPORTS.getLevel();
    CRASH_REPORTS.setLevel(java.util.logging.Level.OFF);
    Vertx vertx = Vertx.vertx();
    try {
      Supervisor.start(vertx, SupervisorSpec.oneForOne(ChildSpec.worker("child", EchoServer::new, (Void) null).withName(NAME))
          .withIntensity(1_000_000, Duration.ofSeconds(1))).await();
      String[] rawId = {vertx.deployVerticle(new RawEcho()).await()};

      double[] ours = new double[ROUNDS];
      double[] raw = new double[ROUNDS];
      for (int i = -WARM_UP; i < ROUNDS; i++) {
        double o = oursOnce(vertx);
        double r = rawOnce(vertx, rawId);
        if (i >= 0) {
          ours[i] = o;
          raw[i] = r;
        }
      }
      System.out.println();
      System.out.printf("%-56s %12s %12s %8s%n", "crash to first reply (" + ROUNDS + " rounds, no crash report)", "supervised", "redeploy", "ratio");
      for (double p : new double[] {0.50, 0.99}) {
        double o = Percentile.of(ours, p);
        double r = Percentile.of(raw, p);
        System.out.printf("%-56s %9.3f ms %9.3f ms %8.2f%n", "p" + Math.round(p * 100), o, r, o / r);
      }
    } finally {
      vertx.close().await();
      CRASH_REPORTS.setLevel(level);
    }
  }

  /**
   * Crash the child (a call that fails), then call it by name until its new incarnation answers:
   * calls made while it restarts fail at once with NO_SERVER and are made again.
   */
  private static double oursOnce(Vertx vertx) {
    ServerRef old = GenServer.whereisLocal(vertx, ServerName.of(NAME)).orElseThrow();
    long start = System.nanoTime();
    GenServer.call(vertx, old, "crash").otherwiseEmpty().await();
    long deadline = start + 10_000_000_000L;
    while (true) {
      try {
        GenServer.call(vertx, ServerName.of(NAME), "ping").await();
        return (System.nanoTime() - start) / 1e6;
      } catch (CallException restarting) {
        if (restarting.failure() != CallFailure.NO_SERVER || System.nanoTime() > deadline) {
          throw restarting;
        }
        Thread.onSpinWait();
      }
    }
  }

  /**
   * The same for the raw verticle: undeploy it (awaited, as the crash call is), deploy a fresh one
   * and request its address until it answers: requests made before its consumer is registered fail
   * at once with NO_HANDLERS and are made again.
   */
  private static double rawOnce(Vertx vertx, String[] id) {
    long start = System.nanoTime();
    vertx.undeploy(id[0]).await();
    Future<String> deploying = vertx.deployVerticle(new RawEcho());
    long deadline = start + 10_000_000_000L;
    while (true) {
      try {
        vertx.eventBus().request(RAW_ADDRESS, "ping").await();
        break;
      } catch (ReplyException notYet) {
        if (notYet.failureType() != ReplyFailure.NO_HANDLERS || System.nanoTime() > deadline) {
          throw notYet;
        }
        Thread.onSpinWait();
      }
    }
    double millis = (System.nanoTime() - start) / 1e6;
    id[0] = deploying.await();
    return millis;
  }
}
