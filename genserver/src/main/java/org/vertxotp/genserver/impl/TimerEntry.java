package org.vertxotp.genserver.impl;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.time.Clock;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.TimerTimeout;

/**
 * One pending timer. Its deadline never changes; its state moves once, from pending to fired or
 * cancelled, by compare-and-set from whichever thread gets there first, so that cancel and read
 * work from anywhere while the heap that orders it stays confined to its owner's context.
 */
final class TimerEntry implements TimerRef {

  enum Kind {
    /** {@code sendAfter}: delivers the message. */
    SEND_AFTER,
    /** {@code startTimer}: delivers {@code TimerTimeout(ref, message)}. */
    START_TIMER,
    /** A keyed timer of its owner: delivers the message if still the key's current timer. */
    KEYED,
    /** The owner's result timeout; {@link #message} holds the generation that armed it. */
    RESULT_TIMEOUT
  }

  private static final int PENDING = 0;
  private static final int FIRED = 1;
  private static final int CANCELLED = 2;
  private static final AtomicIntegerFieldUpdater<TimerEntry> STATE =
      AtomicIntegerFieldUpdater.newUpdater(TimerEntry.class, "state");

  final TimerTable table;
  final Kind kind;
  final Destination destination;
  final Object message;
  final Object key;
  /** Clock nanoseconds at which it is due. */
  final long deadline;
  final long sequence;
  /** Position in the owner's heap, or -1; touched only on the owner's context. */
  int heapIndex = -1;
  /** A server destination other than the owner, watched so the timer dies with it. */
  ServerProcess watched;
  private volatile int state;

  TimerEntry(TimerTable table, Kind kind, Destination destination, Object message, Object key,
             long deadline, long sequence) {
    this.table = table;
    this.kind = kind;
    this.destination = destination;
    this.message = message;
    this.key = key;
    this.deadline = deadline;
    this.sequence = sequence;
  }

  /**
   * An entry for a destination that was already gone (Erlang cancels such a timer at once): it
   * was never pending and is in no table; reading or cancelling it gives false.
   */
  static TimerEntry dead() {
    TimerEntry entry = new TimerEntry(null, Kind.SEND_AFTER, null, null, null, 0, 0);
    entry.state = CANCELLED;
    return entry;
  }

  boolean isPending() {
    return state == PENDING;
  }

  /** Whole milliseconds left, or -1 if it fired, was cancelled, or never counted. */
  long remaining() {
    return state == PENDING ? Math.max(0, deadline - table.clock().nanoTime()) / 1_000_000 : -1;
  }

  /** Wins the race to fire; false if cancelled first. Owner's context. */
  boolean fire() {
    if (!STATE.compareAndSet(this, PENDING, FIRED)) {
      return false;
    }
    settled();
    return true;
  }

  /** Cancels it; returns the milliseconds that were left, or -1 if it had fired or was cancelled. Any thread. */
  long cancel() {
    long left = remaining();
    if (left < 0 || !STATE.compareAndSet(this, PENDING, CANCELLED)) {
      return -1;
    }
    settled();
    table.unlink(this);
    return left;
  }

  /** Cancels it as part of its owner's stop; the owner drops its heap itself. */
  void cancelWithOwner() {
    if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
      settled();
    }
  }

  private void settled() {
    table.node().timers().settled();
    ServerProcess target = watched;
    if (target != null) {
      target.signals.unwatch(this);
    }
  }
}
