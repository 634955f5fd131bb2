package org.vertxotp.genserver;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.vertxotp.genserver.impl.Node;

/**
 * Virtual time for tests: nothing scheduled on it runs until the test {@link #advance}s it, and
 * then everything due runs in deadline order (ties in scheduling order), each on the context it
 * was scheduled from. A six-hour backoff is tested in microseconds, with no sleeping.
 *
 * <pre>{@code
 * ManualClock clock = ManualClock.install(vertx);   // before starting servers
 * ServerRef ref = GenServer.start(vertx, server, args).await();
 * Timers.sendAfter(vertx, Duration.ofHours(6), ref, "retry");
 * clock.advance(Duration.ofHours(6));               // "retry" has been handled when this returns
 * }</pre>
 *
 * <p>{@link #advance} is called from the test thread, never from an event loop: it runs each due
 * task on its context and waits for it, so when it returns, the callbacks those timers triggered
 * directly (a server's {@code handleInfo} for its own timer) have run. Work they started
 * asynchronously may still be under way.
 */
public final class ManualClock implements Clock {

  private static final long TASK_WAIT_SECONDS = 10;

  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  /** Virtual nanoseconds. */
  private long now;
  private long sequence;

  private final class Task implements Scheduled, Comparable<Task> {
    final long deadline;
    final long seq;
    final Context context;
    final Runnable body;

    Task(long deadline, long seq, Context context, Runnable body) {
      this.deadline = deadline;
      this.seq = seq;
      this.context = context;
      this.body = body;
    }

    @Override
    public void cancel() {
      synchronized (ManualClock.this) {
        queue.remove(this);
      }
    }

    @Override
    public int compareTo(Task other) {
      int byDeadline = Long.compare(deadline, other.deadline);
      return byDeadline != 0 ? byDeadline : Long.compare(seq, other.seq);
    }
  }

  /** A clock at time zero that nothing uses yet; see {@link #install}. */
  public ManualClock() {
  }

  /**
   * Makes a new manual clock the clock of {@code vertx}'s toolkit.
   *
   * @throws IllegalStateException if servers are already running there
   */
  public static ManualClock install(Vertx vertx) {
    ManualClock clock = new ManualClock();
    Node.of(vertx).useClock(clock);
    return clock;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Scheduled schedule(long delayMillis, Runnable task) {
    Task t = new Task(now + Math.max(0, delayMillis) * 1_000_000, sequence++, Vertx.currentContext(), task);
    queue.add(t);
    return t;
  }

  /** Tasks scheduled and not yet run or cancelled. */
  public synchronized int scheduled() {
    return queue.size();
  }

  /**
   * Moves time forward by {@code amount}, running every task that falls due on the way, in
   * deadline order, including tasks those tasks schedule within the window.
   *
   * @throws IllegalStateException if called from a Vert.x thread
   */
  public void advance(Duration amount) {
    if (Context.isOnVertxThread()) {
      throw new IllegalStateException("advance the clock from the test thread, not from a Vert.x thread");
    }
    long target;
    synchronized (this) {
      target = now + amount.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.deadline > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, next.deadline);
      }
      runAndWait(next);
    }
  }

  private static void runAndWait(Task task) {
    if (task.context == null) {
      task.body.run();
      return;
    }
    CountDownLatch ran = new CountDownLatch(1);
    task.context.runOnContext(v -> {
      try {
        task.body.run();
      } finally {
        ran.countDown();
      }
    });
    try {
      if (!ran.await(TASK_WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("a timer task did not finish within " + TASK_WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
