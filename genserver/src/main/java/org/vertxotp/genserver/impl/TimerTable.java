package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.time.TimerTimeout;

/**
 * The timers one owner armed: a server (they die with it), or the node itself for timers armed
 * outside any server to a registered name. A binary heap ordered by (deadline, arming order),
 * confined to the owner's context, with one clock wake-up for its earliest deadline: a timer
 * costs one small entry, not one Vert.x timer.
 */
final class TimerTable {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");

  private final Node node;
  private final Context context;
  private final ServerProcess owner;
  private static final TimerEntry[] EMPTY = new TimerEntry[0];

  /** Made with the first wake-up. */
  private Runnable wakeTask;
  /** Grows from empty with the first timer. */
  private TimerEntry[] heap = EMPTY;
  private int size;
  private Map<Object, TimerEntry> keyed;
  private Clock.Scheduled wakeup;
  private long wakeupAt = Long.MAX_VALUE;
  private boolean closed;

  TimerTable(Node node, Context context, ServerProcess owner) {
    this.node = node;
    this.context = context;
    this.owner = owner;
  }

  Node node() {
    return node;
  }

  Clock clock() {
    return node.clock();
  }

  /** Timers pending in the heap. The owner's context. */
  int size() {
    return size;
  }

  ServerProcess owner() {
    return owner;
  }

  // ---- arming (any thread; the heap itself is touched on the owner's context only)

  /**
   * A new pending timer, inserted on the owner's context. With {@code watch}, the timer is also
   * cancelled when that server stops.
   */
  TimerEntry arm(TimerEntry.Kind kind, long delayNanos, Destination destination, Object message,
                 ServerProcess watch) {
    TimerEntry entry = newEntry(kind, delayNanos, destination, message, null);
    if (this == node.closedTimers()) {
      entry.cancelWithOwner(); // its owner exited: released now, so reading it says so at once
      return entry;
    }
    if (watch != null) {
      entry.watched = watch;
      if (!watch.signals.watch(entry)) {
        entry.cancel();
        return entry;
      }
    }
    onContext(() -> insert(entry));
    return entry;
  }

  /** Removes a cancelled entry from the heap, on the owner's context. Any thread. */
  void unlink(TimerEntry entry) {
    onContext(() -> remove(entry));
  }

  // ---- keyed timers (owner's context only)

  void startSingle(Object key, Object message, long delayNanos) {
    TimerEntry entry = newEntry(TimerEntry.Kind.KEYED, delayNanos, null, message, key);
    insert(entry);
    if (closed) {
      return; // the owner exited: insert released it, and no key may be kept for it
    }
    if (keyed == null) {
      keyed = new HashMap<>();
    }
    TimerEntry replaced = keyed.put(key, entry);
    if (replaced != null) {
      replaced.cancel();
    }
  }

  boolean cancelKey(Object key) {
    TimerEntry entry = keyed == null ? null : keyed.remove(key);
    if (entry == null) {
      return false;
    }
    entry.cancel();
    return true;
  }

  boolean isActive(Object key) {
    return keyed != null && keyed.containsKey(key);
  }

  /**
   * True if a keyed timer's message, now being handled, is still its key's current timer (and
   * then the key is done). False for a replaced or cancelled timer whose message was queued.
   */
  boolean claim(TimerEntry entry) {
    if (keyed != null && keyed.get(entry.key) == entry) {
      keyed.remove(entry.key);
      return true;
    }
    return false;
  }

  /** A pending entry, counted; not yet in the heap. */
  private TimerEntry newEntry(TimerEntry.Kind kind, long delayNanos, Destination destination, Object message, Object key) {
    // The deadline is fixed now, when the timer is armed, whenever the heap learns of it.
    TimerEntry entry = new TimerEntry(this, kind, destination, message, key,
        clock().nanoTime() + delayNanos, node.timers().nextSequence());
    node.timers().armed();
    return entry;
  }

  // ---- firing (owner's context)

  private void insert(TimerEntry entry) {
    if (closed) {
      entry.cancelWithOwner();
      return;
    }
    if (!entry.isPending()) {
      return;
    }
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, Math.max(8, size * 2));
    }
    entry.heapIndex = size;
    heap[size++] = entry;
    siftUp(entry.heapIndex);
    if (entry.deadline < wakeupAt) {
      rearm();
    }
  }

  private void wake() {
    wakeup = null;
    wakeupAt = Long.MAX_VALUE;
    long now = clock().nanoTime();
    while (size > 0 && heap[0].deadline <= now) {
      TimerEntry due = heap[0];
      removeAt(0);
      if (due.fire()) {
        deliver(due);
      }
      if (closed) {
        return;
      }
    }
    rearm();
  }

  private void deliver(TimerEntry entry) {
    switch (entry.kind) {
      case RESULT_TIMEOUT:
        owner.enqueue(new Envelope.ResultTimeout((Long) entry.message));
        break;
      case KEYED:
        owner.enqueue(new Envelope.KeyedTimer(entry));
        break;
      case START_TIMER:
        deliverInfo(entry.destination, new TimerTimeout(entry, entry.message));
        break;
      default:
        deliverInfo(entry.destination, entry.message);
    }
  }

  private void deliverInfo(Destination destination, Object payload) {
    if (owner != null && owner.ref().equals(destination)) {
      owner.enqueue(new Envelope.Info(payload));
    } else {
      try {
        node.router().send(destination, payload); // a name is resolved now, at expiry
      } catch (RuntimeException e) { // a message that cannot cross nodes: the timers behind it still fire
        LOG.log(System.Logger.Level.WARNING, () -> "a timer's message to " + destination + " could not be sent", e);
      }
    }
  }

  private void rearm() {
    if (size == 0) {
      return; // wake() cleared the wake-up; nothing to wait for
    }
    long head = heap[0].deadline;
    if (wakeup != null && wakeupAt <= head) {
      return; // an earlier wake-up finds nothing due and re-arms for the head
    }
    cancelWakeup();
    wakeupAt = head;
    // At the head's own deadline, never one recomputed from a later now; on the owner's context.
    if (wakeTask == null) {
      wakeTask = this::wake;
    }
    wakeup = clock().scheduleAt(context, head, wakeTask);
  }

  private void cancelWakeup() {
    if (wakeup != null) {
      wakeup.cancel();
      wakeup = null;
      wakeupAt = Long.MAX_VALUE;
    }
  }

  /** The owner stopped: every timer it armed is cancelled, and nothing is armed after. */
  void close() {
    closed = true;
    cancelWakeup();
    for (int i = 0; i < size; i++) {
      heap[i].heapIndex = -1;
      heap[i].cancelWithOwner();
      heap[i] = null;
    }
    size = 0;
    keyed = null;
  }

  // ---- heap

  private void remove(TimerEntry entry) {
    int i = entry.heapIndex;
    if (i >= 0 && i < size && heap[i] == entry) {
      // The wake-up stays armed even when this empties the heap: it finds nothing due and
      // lapses, which is cheaper than cancelling and re-arming one per arm+cancel pair.
      removeAt(i);
    }
  }

  private void removeAt(int i) {
    TimerEntry removed = heap[i];
    removed.heapIndex = -1;
    int last = --size;
    if (i != last) {
      TimerEntry moved = heap[last];
      heap[i] = moved;
      moved.heapIndex = i;
      heap[last] = null;
      siftDown(i);
      if (heap[i] == moved) {
        siftUp(i);
      }
    } else {
      heap[last] = null;
    }
  }

  private static boolean before(TimerEntry a, TimerEntry b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
  }

  private void siftUp(int i) {
    TimerEntry entry = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      TimerEntry p = heap[parent];
      if (!before(entry, p)) {
        break;
      }
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }

  private void siftDown(int i) {
    TimerEntry entry = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(heap[right], heap[child])) {
        child = right;
      }
      if (!before(heap[child], entry)) {
        break;
      }
      heap[i] = heap[child];
      heap[i].heapIndex = i;
      i = child;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }

  /**
   * Runs heap work on the owner's context: now if this code runs there (the heap is confined to
   * the context, not to a server: another server sharing it may touch it synchronously), else as a
   * task on it.
   */
  private void onContext(Runnable task) {
    if (VertxInternals.isOn(context)) {
      task.run();
    } else {
      node.execute(context, v -> task.run());
    }
  }
}
