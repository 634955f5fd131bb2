package org.vertxotp.genserver.impl;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.time.PortableTimerRef;
import org.vertxotp.genserver.time.TimerRef;

/**
 * Erlang's timer BIFs and keyed timers: decides which timer table owns a new timer (the calling
 * server's, the destination server's, or the node's own for a name armed from outside any
 * server), and counts what is pending.
 */
public final class TimerService {

  /** A century: deadlines are kept in nanoseconds, and a longer timer means infinity. */
  private static final Duration LONGEST_TIMER = Duration.ofDays(36_500);

  private final Node node;
  private final LongAdder pending = new LongAdder();
  private final AtomicLong sequence = new AtomicLong();
  private volatile TimerTable nodeTimers;

  TimerService(Node node) {
    this.node = node;
  }

  long pending() {
    return pending.sum();
  }

  long nextSequence() {
    return sequence.incrementAndGet();
  }

  void armed() {
    pending.increment();
  }

  void settled() {
    pending.decrement();
  }

  /** The clock was replaced (nothing was pending): the node's table starts afresh on it. */
  void clockChanged() {
    nodeTimers = null;
  }

  /**
   * Arms a {@code sendAfter} or {@code startTimer}. Armed within a server's callback, the timer
   * is that server's and dies with it; otherwise it belongs to its destination server, or, for a
   * name, to the node. A server destination other than the owner is watched: the timer dies with
   * it too. A server destination already gone yields a timer that is released at once.
   */
  public TimerRef arm(boolean startTimer, Duration delay, Destination destination, Object message) {
    long nanos = delayNanos(delay);
    ServerProcess target = destination instanceof ServerRef ref ? node.table().resolve(ref) : null;
    if (destination instanceof ServerRef && target == null && node.beyond(destination) == null) {
      return TimerEntry.dead(); // gone from this node; a ref of another node is sent to there at expiry
    }
    ServerProcess current = ServerProcess.current();
    TimerTable table;
    if (current != null && current.node == node && current.timers() != null) {
      table = current.timers();
    } else if (target != null && target.timers() != null) {
      table = target.timers();
    } else {
      table = nodeTimers();
    }
    ServerProcess watch = target != null && target != table.owner() ? target : null;
    return table.arm(startTimer ? TimerEntry.Kind.START_TIMER : TimerEntry.Kind.SEND_AFTER, nanos, destination, message, watch);
  }

  /** {@code ref} as it crosses nodes: a ref of this toolkit, or one that crossed already. */
  public static PortableTimerRef portable(TimerRef ref) {
    if (ref instanceof PortableTimerRef crossed) {
      return crossed;
    }
    if (ref instanceof TimerEntry entry) {
      return new PortableTimerRef(entry.table == null ? "" : entry.table.node().id(), entry.sequence);
    }
    throw new IllegalArgumentException("not a timer of the toolkit: " + ref);
  }

  /** Milliseconds left on a timer of the toolkit, or -1; cancels it if {@code cancel}. */
  public static long remaining(TimerRef ref, boolean cancel) {
    if (!(ref instanceof TimerEntry entry)) {
      return -1;
    }
    return cancel ? entry.cancel() : entry.remaining();
  }

  /** Starts (or replaces) the keyed timer {@code key} of the server this code runs for. */
  public static void startSingleTimer(Object key, Object message, Duration delay) {
    currentServerTimers().startSingle(key, message, delayNanos(delay));
  }

  public static boolean cancelKeyedTimer(Object key) {
    return currentServerTimers().cancelKey(key);
  }

  public static boolean isKeyedTimerActive(Object key) {
    return currentServerTimers().isActive(key);
  }

  private static TimerTable currentServerTimers() {
    ServerProcess current = ServerProcess.current();
    if (current == null || current.timers() == null || !VertxInternals.isOn(current.context())) {
      throw new IllegalStateException("keyed timers belong to a server: use them from its callbacks");
    }
    return current.timers();
  }

  /** A finite timeout in nanoseconds (at least one), capped at a century. */
  static long timeoutNanos(Duration timeout) {
    return timeout.compareTo(LONGEST_TIMER) > 0 ? LONGEST_TIMER.toNanos() : Math.max(1, timeout.toNanos());
  }

  static long delayNanos(Duration delay) {
    if (delay.isNegative() || delay.compareTo(LONGEST_TIMER) > 0) {
      throw new IllegalArgumentException("a timer needs a non-negative delay of at most " + LONGEST_TIMER + ": " + delay);
    }
    return delay.toNanos();
  }

  private TimerTable nodeTimers() {
    TimerTable table = nodeTimers;
    if (table == null) {
      synchronized (this) {
        table = nodeTimers;
        if (table == null) {
          table = new TimerTable(node, node.home(), null);
          nodeTimers = table;
        }
      }
    }
    return table;
  }
}
