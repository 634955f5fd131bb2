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
    entry.generation++;
    heap.add(new Slot(entry, entry.generation, entry.dueMillis, entry.sequence));
    if (heap.size() > 64 && heap.size() > 2 * live) {
      heap.removeIf(Slot::isStale);
    }
  }

  /** The earliest live entry, stale slots dropped on the way; null if none. */
  Entry head() {
    Slot head;
    while ((head = heap.peek()) != null && head.isStale()) {
      heap.poll();
    }
    return head == null ? null : head.entry();
  }

  /** Takes the head out (after {@link #head} returned it). */
  void removeHead() {
    heap.poll();
  }

  /** Slots in the heap, stale ones included: for tests of its upkeep. */
  int slots() {
    return heap.size();
  }
}
