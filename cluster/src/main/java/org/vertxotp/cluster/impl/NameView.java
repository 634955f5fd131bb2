package org.vertxotp.cluster.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.vertxotp.genserver.ServerRef;

/**
 * This member's copy of the cluster's name table, read without waiting: kept current by the
 * table's change events, by what reads of the table found, and reloaded whole when events may
 * have been lost (a member joined, left or merged; and now and then). Erlang's {@code global}
 * keeps such a table on every node, but updates every node before a register returns; this copy
 * hears of a change a moment after it happened.
 *
 * <p>What it may say: a holder that was released a moment ago (its release event is on its way),
 * nothing or "free" for a name registered a moment ago (its event is on its way), and during a
 * split only what this side of it knows. A name it says nothing about is read from the table.
 *
 * <h2>Reads never undo newer news</h2>
 * Every change heard gets a number, and every read (one name's lookup, or a reload of the whole
 * table) the number current when it began, its mark. A read's answer is kept for a name only if
 * nothing was heard of that name after the mark, and only if no reload that began later has
 * begun applying. A release heard while a read is open is kept as a tombstone (numbered, holding
 * nothing), so that the read's older answer cannot bring the holder back; a tombstone goes once
 * every read older than it has ended.
 */
public final class NameView {

  /** How many names found free the copy remembers at most: beyond, a name nobody holds is read each time. */
  static final int FREE_NAMES_KEPT = 10_000;

  /**
   * What was last heard of a name, at {@code seq}: its holder (in the table's form, and read, so
   * that a lookup parses nothing); or, with no holder, that it is free, either found so by a read
   * or, as a {@code tombstone}, released while a read was open.
   */
  private record Heard(String holder, ServerRef ref, long seq, boolean tombstone) {
    static Heard held(String holder, long seq) {
      return new Heard(holder, decode(holder), seq, false);
    }

    static Heard free(long seq, boolean tombstone) {
      return new Heard(null, null, seq, tombstone);
    }

    boolean isFree() {
      return ref == null && !tombstone;
    }
  }

  /** A holder in the table's form: {@code <node>/<server id>}. */
  public static String encode(ServerRef ref) {
    return ref.node() + "/" + ref.id();
  }

  /** The holder the table's form names, or null for null; throws for a value this toolkit did not write. */
  public static ServerRef decode(String value) {
    if (value == null) {
      return null;
    }
    int slash = value.lastIndexOf('/');
    return new ServerRef(value.substring(0, slash), Long.parseLong(value.substring(slash + 1)));
  }

  private final ConcurrentHashMap<String, Heard> view = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  /** The marks of the reads under way. */
  private final ConcurrentSkipListSet<Long> openReads = new ConcurrentSkipListSet<>();
  /** The mark of the latest reload that began applying: a read that began before it knows less. */
  private final AtomicLong reloadedAt = new AtomicLong();
  /** Reloads apply one at a time. */
  private final Object reloading = new Object();
  private final AtomicInteger freeNames = new AtomicInteger();
  /** The names that hold a tombstone: what a sweep looks at. */
  private final java.util.Set<String> tombstoned = ConcurrentHashMap.newKeySet();

  /** The holder of {@code name} as last heard, or null if none is known here (unknown, or free). */
  public ServerRef holder(String name) {
    Heard heard = view.get(name);
    return heard == null ? null : heard.ref();
  }

  /**
   * True if a read of the table found nobody holding {@code name} and nothing newer was heard. A
   * release is not enough: it may be this node's own suspicion that a holder is gone, and the
   * table may have a successor.
   */
  public boolean knownFree(String name) {
    Heard heard = view.get(name);
    return heard != null && heard.isFree();
  }

  /** The table says {@code name} is held by {@code holder} now; a value this toolkit did not write is ignored. */
  public void held(String name, String holder) {
    Heard heard = readable(holder, seq.incrementAndGet());
    if (heard != null) {
      view.compute(name, (n, before) -> counted(n, before, heard));
    }
  }

  /**
   * The table no longer has {@code holder} for {@code name} (released, or found gone): forgotten,
   * unless a newer holder was heard meanwhile.
   */
  public void released(String name, String holder) {
    long at = seq.incrementAndGet();
    boolean keepTombstone = !openReads.isEmpty(); // a read that begins after this has a greater mark
    view.compute(name, (n, before) -> {
      if (before != null && before.holder() != null && !before.holder().equals(holder)) {
        return before; // a newer holder: this release is of the one before
      }
      return counted(n, before, keepTombstone ? Heard.free(at, true) : null);
    });
  }

  /** A read of the table begins: end it with {@link #learned}, {@link #reloaded} or {@link #readEnds}; returns its mark. */
  public long readBegins() {
    long mark = seq.incrementAndGet();
    openReads.add(mark);
    return mark;
  }

  /**
   * A read that began at {@code mark} found {@code holder} (null: nobody) for {@code name}: kept,
   * unless something newer was heard of it. Ends the read.
   */
  public void learned(String name, String holder, long mark) {
    try {
      Heard read = holder == null ? Heard.free(mark, false) : readable(holder, mark);
      view.compute(name, (n, before) -> {
        if (mark < reloadedAt.get() || before != null && before.seq() > mark) {
          return before; // newer news
        }
        if (read == null) {
          return before; // a value this toolkit did not write
        }
        if (read.isFree() && freeNames.get() >= FREE_NAMES_KEPT) {
          return counted(n, before, null); // not kept as free, but what it replaced is stale
        }
        return counted(n, before, read);
      });
    } finally {
      readEnds(mark);
    }
  }

  /**
   * {@code snapshot}, the whole table read after {@link #readBegins} returned {@code mark},
   * replaces what the view says, except for names heard of since the mark. Ends the read.
   */
  public void reloaded(long mark, Map<String, String> snapshot) {
    try {
      synchronized (reloading) {
        if (reloadedAt.accumulateAndGet(mark, Math::max) != mark) {
          return; // a reload that began later has applied already
        }
        snapshot.forEach((name, holder) -> view.compute(name, (n, before) ->
            before != null && before.seq() > mark ? before : counted(n, before, readable(holder, mark))));
        // A name the snapshot lacks goes (no tombstone: every read older than this reload is refused by reloadedAt).
        view.forEach((name, heard) -> {
          if (!snapshot.containsKey(name)) {
            view.computeIfPresent(name, (n, before) -> before.seq() > mark ? before : counted(n, before, null));
          }
        });
      }
    } finally {
      readEnds(mark);
    }
  }

  /** The read that began at {@code mark} ends without an answer to keep (it failed), or after its answer was kept. */
  public void readEnds(long mark) {
    boolean wasOldest = oldestOpen() == mark;
    openReads.remove(mark);
    if (!wasOldest || tombstoned.isEmpty()) {
      return; // only the oldest read's end can free a tombstone: the older reads hold those it could
    }
    for (String name : tombstoned) {
      // The oldest open read is asked under the name's lock: a read that began meanwhile is seen, so
      // a tombstone it needs is kept.
      view.computeIfPresent(name, (n, before) -> before.tombstone() && before.seq() < oldestOpen() ? counted(n, before, null)
          : before);
    }
  }

  /** The mark of the oldest read under way, or {@code Long.MAX_VALUE} if none is: a tombstone older than it is needed by none. */
  private long oldestOpen() {
    try {
      return openReads.first();
    } catch (java.util.NoSuchElementException none) {
      return Long.MAX_VALUE;
    }
  }

  /** {@code after}, once the counts of free names and tombstones say it replaces {@code before}. */
  private Heard counted(String name, Heard before, Heard after) {
    freeNames.addAndGet((after != null && after.isFree() ? 1 : 0) - (before != null && before.isFree() ? 1 : 0));
    if (after != null && after.tombstone()) {
      tombstoned.add(name);
    } else if (before != null && before.tombstone()) {
      tombstoned.remove(name);
    }
    return after;
  }

  /** {@code holder} as heard at {@code seq}, or null (nothing kept) if this toolkit did not write it. */
  private static Heard readable(String holder, long seq) {
    try {
      return Heard.held(holder, seq);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** How many names the view holds, tombstones and free names included. */
  public int size() {
    return view.size();
  }

  /** How many releases the view keeps as tombstones: none once no read older than them is open. */
  public int tombstones() {
    return tombstoned.size();
  }

  /** How many names the view keeps as found free. */
  int freeNames() {
    return freeNames.get();
  }
}
