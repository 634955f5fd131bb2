package org.vertxotp.genserver;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import org.vertxotp.genserver.time.Timers;

/**
 * A test server that arms timers on request and records, in the queue the test passes, every
 * info message it receives (with the nanoTime it arrived at, for real-time tests).
 */
final class Ticker implements GenServer<BlockingQueue<Object>, BlockingQueue<Object>> {

  /** Arms a timer: {@code sendAfter} (or {@code startTimer}) to {@code to}, or to itself when null. Replies the ref. */
  record Arm(boolean startTimer, long millis, Destination to, Object message) {
    static Arm self(long millis, Object message) {
      return new Arm(false, millis, null, message);
    }
  }

  /** Arms {@code count} sendAfter timers to itself, delays cycling 1..{@code maxMillis}; each message says when it was armed. */
  record ArmMany(int count, int maxMillis) {}

  /** The message of an {@link ArmMany} timer. */
  record Due(long armedAtNanos, long delayMillis) {}

  /** Starts (replaces) a keyed timer. */
  record Keyed(Object key, Object message, long millis) {}

  /** Cancels a keyed timer; replies whether there was one. */
  record CancelKey(Object key) {}

  /** Replies whether a keyed timer is active. */
  record IsActive(Object key) {}

  /** Holds the mailbox until the promise completes. */
  record Hold(Promise<Void> until) {}

  /** Throws. */
  record Crash() {}

  /** An info message as the server saw it. */
  record Got(Object message, long atNanos) {}

  private final Vertx vertx;

  Ticker(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<BlockingQueue<Object>> init(BlockingQueue<Object> events) {
    return ok(events);
  }

  @Override
  public CallResult<BlockingQueue<Object>> handleCall(Object request, From from, BlockingQueue<Object> events) {
    if (request instanceof Arm arm) {
      Destination to = arm.to() == null ? GenServer.self() : arm.to();
      Duration delay = Duration.ofMillis(arm.millis());
      return reply(arm.startTimer() ? Timers.startTimer(vertx, delay, to, arm.message())
          : Timers.sendAfter(vertx, delay, to, arm.message()), events);
    } else if (request instanceof ArmMany many) {
      for (int i = 0; i < many.count(); i++) {
        long delay = 1 + i % many.maxMillis();
        Timers.sendAfter(vertx, Duration.ofMillis(delay), GenServer.self(), new Due(System.nanoTime(), delay));
      }
      return reply(many.count(), events);
    } else if (request instanceof Keyed keyed) {
      Timers.startSingleTimer(keyed.key(), keyed.message(), Duration.ofMillis(keyed.millis()));
      return reply("ok", events);
    } else if (request instanceof CancelKey cancel) {
      return reply(Timers.cancel(cancel.key()), events);
    } else if (request instanceof IsActive active) {
      return reply(Timers.isActive(active.key()), events);
    } else if (request instanceof Hold hold) {
      return async(hold.until().future().map(v -> reply("held", events)));
    } else if (request instanceof Crash) {
      throw new IllegalStateException("crash with timers pending");
    }
    return reject("unknown " + request, events);
  }

  @Override
  public NoReplyResult<BlockingQueue<Object>> handleInfo(Object message, BlockingQueue<Object> events) {
    events.add(new Got(message, System.nanoTime()));
    return noreply(events);
  }
}
