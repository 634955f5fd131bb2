package org.vertxotp.delivery.engine;

import java.util.ArrayDeque;

/**
 * The rate of one redrive: its deliveries start in the order given, consecutive starts at least
 * {@code ceil(1000 / perSecond)} ms apart, whatever held them (a breaker, a full concurrency cap,
 * a hold), so at most {@code perSecond} start in any second for a whole rate. The pace governs
 * only each delivery's first start; a retry after that keeps the ordinary schedule. Nothing goes
 * before the store has kept the whole redrive.
 */
final class RedrivePace {

  private record Slot(Entry entry, long generation) {}

  private final long intervalMillis;
  private final ArrayDeque<Slot> queue = new ArrayDeque<>();
  private boolean started;
  private long nextStartMillis;

  RedrivePace(double perSecond) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("a redrive rate must be positive: " + perSecond);
    }
    this.intervalMillis = (long) Math.ceil(1000.0 / perSecond);
  }

  long intervalMillis() {
    return intervalMillis;
  }

  void add(Entry entry) {
    entry.pace = this;
    queue.add(new Slot(entry, entry.generation));
  }

  /** The next delivery of this redrive to start, stale ones (cancelled, taken back) dropped; null if none is left. */
  Entry head() {
    Slot head;
    while ((head = queue.peek()) != null
        && (head.generation() != head.entry().generation || head.entry().pace != this || head.entry().inFlight())) {
      queue.poll();
    }
    return head == null ? null : head.entry();
  }

  /** The earliest {@code head} may start. */
  long readyAtMillis(Entry head) {
    return started ? Math.max(head.dueMillis, nextStartMillis) : head.dueMillis;
  }

  /**
   * The head started at {@code now} (or took its turn to fail, with a failing breaker open): the
   * next may start {@link #intervalMillis} later, not sooner.
   */
  void started(long now) {
    Slot head = queue.poll();
    if (head != null) {
      head.entry().pace = null;
    }
    started = true;
    nextStartMillis = Millis.plus(now, intervalMillis);
  }

  boolean isDone() {
    return head() == null;
  }
}
