package org.vertxotp.delivery.engine;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The deliveries ready to go when due, earliest due time first, then enqueue order: a heap, found
 * in O(log n). An entry taken out otherwise (cancelled, ended, sent) leaves a stale slot that the
 * head skips, and that is swept once stale slots outnumber live ones, so the heap stays within
 * twice what is pending and holds no payload for long.
 */
final class DueQueue {

  /** A place in the heap; stale once its entry was queued again, dispatched or taken out. */
  private record Slot(Entry entry, long generation, long dueMillis, long sequence) {
    boolean isStale() {
      return generation != entry.generation || entry.inFlight();
    }
  }

  private static final Comparator<Slot> BY_DUE_THEN_ENQUEUE =
      Comparator.comparingLong(Slot::dueMillis).thenComparingLong(Slot::sequence);

  private final PriorityQueue<Slot> heap = new PriorityQueue<>(BY_DUE_THEN_ENQUEUE);

  /** Queues {@code entry} at its due time; any earlier place of it is stale from now on. {@code live}: how many could be queued. */
  void add(Entry entry, int live) {
    entry.invalidate();
    heap.add(new Slot(entry, entry.generation, entry.dueMillis, entry.sequence));
    if (heap.size() > 64 && heap.size() > 2 * live) {
      heap.removeIf(Slot::isStale);
    }
  }

  /** The earliest live slot, stale ones dropped on the way; null if none. */
  private Slot live() {
    Slot head;
    while ((head = heap.peek()) != null && head.isStale()) {
      heap.poll();
    }
    return head;
  }

  /** The earliest live entry; null if none. */
  Entry head() {
    Slot head = live();
    return head == null ? null : head.entry();
  }

  /** When the earliest live entry was queued to go; {@code Long.MAX_VALUE} if none is queued. */
  long headDueMillis() {
    Slot head = live();
    return head == null ? Long.MAX_VALUE : head.dueMillis();
  }

  /** Takes out and returns the earliest live entry if it is due at {@code now}; null if none is. */
  Entry pollDue(long now) {
    Slot head = live();
    if (head == null || head.dueMillis() > now) {
      return null;
    }
    heap.poll();
    return head.entry();
  }

  /** Slots in the heap, stale ones included: for tests of its upkeep. */
  int slots() {
    return heap.size();
  }
}
