package org.vertxotp.delivery.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps the store in step with the engine, one delivery id at a time. Every change to an id is a
 * new version, written at once; the engine's memory is the truth, and a write carries the whole
 * record the id has when the write goes ({@link Record}), so a write replaces, never patches, and
 * a store that applies one worker's writes in order (as {@code DeliveryStore} promises) holds the
 * latest once the latest is kept, whatever became of the writes before it.
 *
 * <ul>
 *   <li>An id is synced once the write of its latest version was kept. Until then the engine does
 *       not act on it (sends nothing, publishes nothing).</li>
 *   <li>A write that fails is written again (whatever the id holds by then) after a backoff that
 *       grows with that id's failures in a row ({@link StoreBackoff}): nothing the store failed is
 *       given up, and a record the store keeps refusing costs a write every 30 s, not a storm.</li>
 *   <li>What is to be announced once an id is kept (a dead letter, a drop) waits here for it.</li>
 * </ul>
 */
final class StoreSync {

  private static final class Slot {
    /** The latest version, the one the last write carries. */
    long latest;
    /** The write of the latest version failed: it is written again at {@link #retryAtMillis}. */
    boolean failed;
    /** Failed writes of this id in a row. */
    int failures;
    long retryAtMillis;
    /** What to announce once a version at least as new as the key is kept. */
    final List<Announcement> announcements = new ArrayList<>(0);
  }

  private record Announcement(long version, Effect effect) {}

  private final Function<String, Record> records;
  private final Map<String, Slot> unsynced = new HashMap<>();
  private long nextVersion = 1;
  /** Ids whose last write failed, and so wait for their retry. */
  private int failedCount;
  private long retryAtMillis;

  /** @param records what the store is to hold for an id, now */
  StoreSync(Function<String, Record> records) {
    this.records = records;
  }

  /** {@code id} changed in memory: its new version, whose write goes now (after a failed write too: it is a new try). */
  long changed(String id, List<Effect> effects) {
    Slot slot = unsynced.computeIfAbsent(id, k -> new Slot());
    slot.latest = nextVersion++;
    write(id, slot, effects);
    return slot.latest;
  }

  /** Announces {@code effect} once the store has kept {@code id} as it is now. */
  void announceWhenKept(String id, Effect effect) {
    Slot slot = unsynced.get(id);
    if (slot == null) {
      throw new IllegalStateException("announce only what is being written: " + id);
    }
    slot.announcements.add(new Announcement(slot.latest, effect));
  }

  private void write(String id, Slot slot, List<Effect> effects) {
    if (slot.failed) {
      slot.failed = false;
      failedCount--;
    }
    effects.add(new Effect.Write(id, slot.latest, records.apply(id)));
  }

  /** The latest version of {@code id} the store has not kept yet, or 0 if it is synced. */
  long unkeptVersion(String id) {
    Slot slot = unsynced.get(id);
    return slot == null ? 0 : slot.latest;
  }

  /** True once the store kept {@code id}'s latest change. */
  boolean isSynced(String id) {
    return !unsynced.containsKey(id);
  }

  /**
   * The store kept the write of {@code version}: the announcements of it and of earlier versions
   * go. True if {@code id} is synced now (that was its latest). A report of an id synced since
   * changes nothing.
   */
  boolean kept(String id, long version, List<Effect> effects) {
    Slot slot = unsynced.get(id);
    if (slot == null) {
      return false;
    }
    slot.failures = 0;
    for (Iterator<Announcement> it = slot.announcements.iterator(); it.hasNext(); ) {
      Announcement announcement = it.next();
      if (announcement.version() <= version) {
        effects.add(announcement.effect());
        it.remove();
      }
    }
    if (version < slot.latest) {
      return false; // a later write is out, or failed and will be written again
    }
    if (slot.failed) {
      failedCount--;
    }
    unsynced.remove(id);
    return true;
  }

  /**
   * The store did not keep the write of {@code version}: if it was the latest, {@code id} is
   * written again at the retry. An older write's failure changes nothing here: the later write,
   * which carries everything, decides.
   */
  void failed(String id, long version, long now) {
    Slot slot = unsynced.get(id);
    if (slot == null || version != slot.latest) {
      return;
    }
    if (!slot.failed) {
      slot.failed = true;
      failedCount++;
    }
    slot.failures++;
    slot.retryAtMillis = Millis.plus(now, StoreBackoff.millis(slot.failures));
    retryAtMillis = failedCount == 1 ? slot.retryAtMillis : Math.min(retryAtMillis, slot.retryAtMillis);
  }

  /** Writes again every id whose last write failed and whose retry time has come. */
  void retryIfDue(long now, List<Effect> effects) {
    if (failedCount == 0 || now < retryAtMillis) {
      return;
    }
    long next = Long.MAX_VALUE;
    for (Map.Entry<String, Slot> unkept : unsynced.entrySet()) {
      Slot slot = unkept.getValue();
      if (slot.failed && slot.retryAtMillis <= now) {
        write(unkept.getKey(), slot, effects);
      } else if (slot.failed) {
        next = Math.min(next, slot.retryAtMillis);
      }
    }
    retryAtMillis = next;
  }

  /** True while a failed write waits to be written again; {@link #retryAtMillis} says when the first does. */
  boolean retryArmed() {
    return failedCount > 0;
  }

  long retryAtMillis() {
    return retryAtMillis;
  }

  /** Ids whose latest change the store has not kept yet. */
  int unsyncedCount() {
    return unsynced.size();
  }
}
