package org.vertxotp.cluster.impl;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.vertxotp.genserver.ServerRef;

/**
 * This member's copy of the cluster's name table, read without waiting: kept current by the
 * table's change events, by what reads of the table found, and reloaded whole when events may
 * have been lost (a member joined, left or merged). Erlang's {@code global} keeps such a table on
 * every node.
 *
 * <p>What it may say: a holder that was released a moment ago (its release event is on its way),
 * nothing or "free" for a name registered a moment ago (its event is on its way), and during a
 * split only what this side of it knows. A name it says nothing about is read from the table. A
 * read (a reload, or one name's lookup) never undoes an event heard after the read began, nor a
 * reload that began later and finished first: an old answer cannot bring back a released holder.
 */
public final class NameView {

  /** How many names found free the copy remembers at most: beyond, a name nobody holds is read each time. */
  static final int FREE_NAMES_KEPT = 10_000;

  /**
   * What was last heard of a name, at {@code seq}: its holder (in the table's form, and read, so
   * that a lookup parses nothing); or, with no holder, that it is free, either found so by a read
   * or, as a {@code tombstone}, released while a read was under way.
   */
  private record Heard(String holder, ServerRef ref, long seq, boolean tombstone) {
    static Heard held(String holder, long seq) {
      return new Heard(holder, decode(holder), seq, false);
    }

    static Heard free(long seq, boolean tombstone) {
      return new Heard(null, null, seq, tombstone);
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
  /** Reads under way: while any is, releases are kept as tombstones so that a read's answer cannot undo them. */
  private final AtomicInteger reading = new AtomicInteger();
  /** The mark of the latest reload that finished: a read that began before it is older than what it put in. */
  private volatile long reloadedAt;
  /** Names found free and kept: counted loosely (a held event replacing one is not subtracted), recounted at each reload. */
  private final AtomicInteger freeKept = new AtomicInteger();

  /** The holder of {@code name} as last heard, or null if none is known here (unknown, or free). */
  public ServerRef holder(String name) {
    Heard heard = view.get(name);
    return heard == null ? null : heard.ref();
  }

  /** True if the copy knows {@code name} is free: a read found nobody, or its release was heard. */
  public boolean knownFree(String name) {
    Heard heard = view.get(name);
    return heard != null && heard.ref() == null;
  }

  /** The table says {@code name} is held by {@code holder} now; a value this toolkit did not write is ignored. */
  public void held(String name, String holder) {
    Heard heard = readable(holder, seq.incrementAndGet());
    if (heard != null) {
      view.put(name, heard);
    }
  }

  /**
   * The table no longer has {@code holder} for {@code name} (released, or found gone): forgotten,
   * unless a newer holder was heard meanwhile.
   */
  public void released(String name, String holder) {
    long at = seq.incrementAndGet();
    boolean keepTombstone = reading.get() != 0;
    view.compute(name, (n, heard) -> {
      if (heard != null && heard.holder() != null && !heard.holder().equals(holder)) {
        return heard; // a newer holder: this release is of the one before
      }
      return keepTombstone ? Heard.free(at, true) : null;
    });
  }

  /** A read of the table begins: end it with {@link #learned}, {@link #reloaded} or {@link #readEnds}; returns its mark. */
  public long readBegins() {
    reading.incrementAndGet();
    return seq.incrementAndGet();
  }

  /**
   * A read that began at {@code mark} found {@code holder} (null: nobody) for {@code name}: kept,
   * unless something newer was heard of it. Ends the read.
   */
  public void learned(String name, String holder, long mark) {
    try {
      if (mark < reloadedAt) {
        return; // a reload that began later has finished: it knows better
      }
      if (holder == null && freeKept.get() >= FREE_NAMES_KEPT) {
        return;
      }
      view.compute(name, (n, heard) -> {
        if (heard != null && heard.seq() > mark) {
          return heard;
        }
        if (holder != null) {
          Heard read = readable(holder, mark);
          return read != null ? read : heard;
        }
        if (heard == null || heard.ref() != null) {
          freeKept.incrementAndGet();
        }
        return Heard.free(mark, false);
      });
    } finally {
      readEnds();
    }
  }

  /**
   * {@code snapshot}, the whole table read after {@link #readBegins} returned {@code mark},
   * replaces what the view says, except for names heard of since the mark. Ends the read.
   */
  public void reloaded(long mark, Map<String, String> snapshot) {
    try {
      if (mark < reloadedAt) {
        return; // a reload that began later has finished first
      }
      snapshot.forEach((name, holder) -> view.compute(name, (n, heard) ->
          heard != null && heard.seq() > mark ? heard : readable(holder, mark)));
      view.forEach((name, heard) -> {
        if (!snapshot.containsKey(name)) {
          view.computeIfPresent(name, (n, now) -> now.seq() > mark ? now : null);
        }
      });
      reloadedAt = Math.max(reloadedAt, mark);
      freeKept.set((int) view.values().stream().filter(heard -> heard.ref() == null && !heard.tombstone()).count());
    } finally {
      readEnds();
    }
  }

  /** A read that found nothing to keep (it failed) ends. */
  public void readEnds() {
    long bound = seq.get();
    if (reading.decrementAndGet() == 0) {
      // Releases heard after this point are newer than any read that begins later: only these can go.
      view.entrySet().removeIf(entry -> entry.getValue().tombstone() && entry.getValue().seq() <= bound);
    }
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

  /** How many releases the view keeps as tombstones: none once no read is under way (for tests). */
  public int tombstones() {
    return (int) view.values().stream().filter(Heard::tombstone).count();
  }
}
