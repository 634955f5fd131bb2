package org.vertxotp.genserver.time;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.vertxotp.genserver.impl.Node;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;

/**
 * Virtual time for tests: nothing scheduled on it runs until the test {@link #advance}s it, and
 * then everything due runs in deadline order (ties in scheduling order), each on its context.
 * A six-hour backoff is tested in microseconds, with no sleeping.
 *
 * <pre>{@code
 * ManualClock clock = ManualClock.install(vertx);   // before starting servers
 * ServerRef ref = GenServer.start(vertx, server, args).await();
 * Timers.sendAfter(vertx, Duration.ofHours(6), ref, "retry");
 * clock.advance(Duration.ofHours(6));               // "retry" has been handled when this returns
 * }</pre>
 *
 * <h2>What {@code advance} waits for</h2>
 * {@link #advance} is called from the test thread, never from an event loop. Installed with
 * {@link #install}, it first lets the toolkit settle: every message already sent (a cast, a
 * timer armed from the test thread, a call's reply) has reached its server and been handled,
 * unless that server is holding its mailbox for an async callback. Then it runs each due task
 * on its context, settling again after each. So when it returns, the callbacks those timers
 * triggered, and the messages those callbacks sent, have run. Work a callback started outside
 * the toolkit (an HTTP request, a Vert.x timer) may still be under way.
 *
 * <p>A timer's deadline is fixed when it is armed (when {@code sendAfter} returns, as in Erlang),
 * from the clock's time then; advancing never moves it.
 */
public final class ManualClock implements Clock {

  private static final long WAIT_SECONDS = 10;

  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  /** Virtual nanoseconds. */
  private long now;
  /** Virtual wall-clock milliseconds at virtual time zero. */
  private final long epochMillis;
  private long sequence;
  private volatile Node node;

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

  /** A clock at time zero, whose wall clock starts at the real time of its creation; see {@link #install}. */
  public ManualClock() {
    this(System.currentTimeMillis());
  }

  /** A clock at time zero whose wall clock reads {@code epochMillis} then. */
  public ManualClock(long epochMillis) {
    this.epochMillis = epochMillis;
  }

  /**
   * Makes a new manual clock the clock of {@code vertx}'s toolkit.
   *
   * @throws IllegalStateException if servers, timers or calls already exist there
   */
  public static ManualClock install(Vertx vertx) {
    ManualClock clock = new ManualClock();
    Node node = Node.of(vertx);
    node.useClock(clock);
    clock.node = node;
    return clock;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized long currentTimeMillis() {
    return epochMillis + now / 1_000_000;
  }

  @Override
  public synchronized Scheduled scheduleAt(Context context, long deadlineNanos, Runnable task) {
    Task t = new Task(deadlineNanos, sequence++, context, task);
    queue.add(t);
    return t;
  }

  /** Tasks scheduled and not yet run or cancelled. */
  public synchronized int scheduled() {
    return queue.size();
  }

  /**
   * Moves time forward by {@code amount}, running every task that falls due on the way, in
   * deadline order, including tasks those tasks schedule within the window. See the class
   * documentation for what has happened when it returns.
   *
   * @throws IllegalStateException if called from a Vert.x thread, or if the toolkit does not
   *     settle (or a task does not finish) within 10 seconds
   */
  public void advance(Duration amount) {
    if (Context.isOnVertxThread()) {
      throw new IllegalStateException("advance the clock from the test thread, not from a Vert.x thread");
    }
    long target;
    synchronized (this) {
      target = now + amount.toNanos();
    }
    settle();
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
      settle();
    }
  }

  private void settle() {
    Node installed = node;
    if (installed != null && !installed.awaitSettled(TimeUnit.SECONDS.toNanos(WAIT_SECONDS))) {
      throw new IllegalStateException("the toolkit did not settle within " + WAIT_SECONDS + " s");
    }
  }

  private static void runAndWait(Task task) {
    CountDownLatch ran = new CountDownLatch(1);
    task.context.runOnContext(v -> {
      try {
        task.body.run();
      } finally {
        ran.countDown();
      }
    });
    try {
      if (!ran.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("a timer task did not finish within " + WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
