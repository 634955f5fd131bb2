package org.vertxotp.bench;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Vertx;
import java.time.Duration;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.Timers;

/**
 * A server that runs timer workloads inside its own callbacks, on its own context, both with the
 * toolkit's timers and with raw {@code vertx.setTimer}: ours and the baseline see the same
 * thread, the same context and the same call overhead. For lateness, a raw timer's handler sends
 * its message to this server's mailbox, so both sides are measured at {@code handleInfo}, after
 * the same dispatch.
 */
final class TimerWorkbench implements GenServer<Void, TimerWorkbench.State> {

  /** Arms and at once cancels {@code count} timers, each {@code delay} out. */
  record ArmCancel(int count, boolean raw, Duration delay) {}

  /** Arms {@code count} timers an hour out and keeps them pending. */
  record ArmPending(int count, boolean raw) {}

  /** Cancels every timer {@link ArmPending} armed. */
  record CancelPending() {}

  /**
   * Arms {@code count} timers due evenly over {@code spreadMillis}, the first {@code offsetMillis}
   * out so that none falls due while the loop is still arming; replies p50 and p99 lateness once
   * all fired.
   */
  record Lateness(int count, long offsetMillis, long spreadMillis, boolean raw) {}

  /** A timer's message: when it was meant to fire. */
  record Due(long atNanos) {}

  static final class State {
    TimerRef[] pending = new TimerRef[0];
    long[] rawPending = new long[0];
    long[] lateNanos;
    int fired;
    From lateCaller;
  }

  private static final Duration HOUR = Duration.ofHours(1);
  private final Vertx vertx;

  TimerWorkbench(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(Void args) {
    return ok(new State());
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    if (request instanceof ArmCancel r) {
      long delayMillis = r.delay().toMillis();
      if (r.raw()) {
        for (int i = 0; i < r.count(); i++) {
          vertx.cancelTimer(vertx.setTimer(delayMillis, id -> { }));
        }
      } else {
        for (int i = 0; i < r.count(); i++) {
          Timers.cancelTimer(Timers.sendAfter(vertx, r.delay(), GenServer.self(), i));
        }
      }
      return reply(r.count(), s);
    } else if (request instanceof ArmPending r) {
      if (r.raw()) {
        s.rawPending = new long[r.count()];
        for (int i = 0; i < r.count(); i++) {
          s.rawPending[i] = vertx.setTimer(HOUR.toMillis(), id -> { });
        }
      } else {
        s.pending = new TimerRef[r.count()];
        for (int i = 0; i < r.count(); i++) {
          s.pending[i] = Timers.sendAfter(vertx, HOUR, GenServer.self(), "never");
        }
      }
      return reply(r.count(), s);
    } else if (request instanceof CancelPending) {
      for (TimerRef ref : s.pending) {
        Timers.cancelTimer(ref);
      }
      for (long id : s.rawPending) {
        vertx.cancelTimer(id);
      }
      s.pending = new TimerRef[0];
      s.rawPending = new long[0];
      return reply(0, s);
    } else if (request instanceof Lateness r) {
      s.lateNanos = new long[r.count()];
      s.fired = 0;
      s.lateCaller = from;
      org.vertxotp.genserver.ServerRef self = GenServer.self();
      for (int i = 0; i < r.count(); i++) {
        long delayMillis = r.offsetMillis() + i * r.spreadMillis() / r.count();
        Due due = new Due(System.nanoTime() + delayMillis * 1_000_000); // due counts from its own arming
        if (r.raw()) {
          // The same dispatch as ours: the raw timer's handler puts the message in this server's mailbox.
          vertx.setTimer(Math.max(1, delayMillis), id -> GenServer.send(vertx, self, due));
        } else {
          Timers.sendAfter(vertx, Duration.ofMillis(delayMillis), GenServer.self(), due);
        }
      }
      return noreply(s);
    }
    return reject("unknown " + request, s);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof Due due) {
      record(s, due);
    }
    return noreply(s);
  }

  private static void record(State s, Due due) {
    s.lateNanos[s.fired++] = System.nanoTime() - due.atNanos();
    if (s.fired == s.lateNanos.length) {
      s.lateCaller.reply(new double[] {Percentile.millisOf(s.lateNanos, 0.50), Percentile.millisOf(s.lateNanos, 0.99)});
    }
  }

}
