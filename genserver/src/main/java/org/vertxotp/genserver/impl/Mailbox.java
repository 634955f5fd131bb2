package org.vertxotp.genserver.impl;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A server's mailbox: senders on any thread put envelopes in directly, in the order they send
 * them; only the server takes them out, on its context. Unbounded by default, as in OTP. With a
 * limit, a message from another sender beyond it is refused (a call fails at once, a cast or info
 * is dropped and counted), while what the server needs to stay in control (its own timers,
 * monitors' Downs, stop and system messages) always gets in.
 *
 * <p>With a limit, senders count what they put in, and the server gives the places of casts and
 * infos back in small steps, not one by one: the count is one cache line that senders on other
 * cores write, and taking it back per message made it bounce at every message. The place of a
 * call or system request is given back as soon as it is taken, before any reply can go out, so
 * a caller that got its answer always finds its place free again. So the count stands above what
 * really waits by at most {@code limit / 8 - 1} (never more than 63) handled casts and infos, and only
 * while the server is handling a run of them; a sender may be refused that much early.
 */
final class Mailbox {

  private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
  private final int limit;
  /** How many freed places of casts and infos are given back together. */
  private final int creditEvery;
  /** Envelopes queued, kept only with a limit (an unbounded mailbox counts nothing on its hot path). */
  private final AtomicInteger queued;
  private final LongAdder dropped;
  private final LongAdder refused;
  /** Places taken back by the server since the last {@link #credit}. The server's context only. */
  private int uncredited;

  Mailbox(int limit) {
    this.limit = limit;
    this.creditEvery = Math.max(1, Math.min(64, limit / 8));
    this.queued = limit > 0 ? new AtomicInteger() : null;
    this.dropped = limit > 0 ? new LongAdder() : null;
    this.refused = limit > 0 ? new LongAdder() : null;
  }

  /** Takes a place for a message from another sender; false (and counted as refused) if the mailbox is full. */
  boolean admit() {
    if (queued == null) {
      return true;
    }
    if (queued.incrementAndGet() > limit) {
      queued.decrementAndGet();
      refused.increment();
      return false;
    }
    return true;
  }

  /** Gives back a place {@link #admit} took for a message that was not put in after all. */
  void unadmit() {
    if (queued != null) {
      queued.decrementAndGet();
    }
  }

  /** Puts in a message whose place {@link #admit} took. */
  void putAdmitted(Envelope envelope) {
    queue.offer(envelope);
  }

  /** Puts in a message that always gets in. */
  void put(Envelope envelope) {
    if (queued != null) {
      queued.incrementAndGet();
    }
    queue.offer(envelope);
  }

  /** Puts in a cast or info from another sender; false if it was dropped (and counted) at a full mailbox. */
  boolean offer(Envelope envelope) {
    if (queued != null && queued.incrementAndGet() > limit) {
      queued.decrementAndGet();
      dropped.increment();
      return false;
    }
    queue.offer(envelope);
    return true;
  }

  /**
   * The next envelope, or null. It keeps its place against the limit until {@link #consumed}:
   * one set aside while the server is suspended still counts. The server's context only.
   */
  Envelope poll() {
    return queue.poll();
  }

  /**
   * An envelope taken by {@link #poll} is being handled (or was dropped): its place is free, given
   * back at once for a call or system request, else with the next few. The server's context.
   */
  void consumed(Envelope envelope) {
    if (queued != null) {
      uncredited++;
      if (uncredited >= creditEvery || envelope instanceof Envelope.Call || envelope instanceof Envelope.System) {
        credit();
      }
    }
  }

  /** Gives back to senders the places freed since the last time; at least at the end of every drain. The server's context. */
  void credit() {
    if (uncredited != 0) {
      queued.addAndGet(-uncredited);
      uncredited = 0;
    }
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /**
   * Envelopes waiting, {@code setAside} (taken but not yet handled) included: counted with a
   * limit, walked without one (for status and metrics, not for hot paths).
   */
  int size(int setAside) {
    return queued != null ? Math.max(0, queued.get() - uncredited) : queue.size() + setAside;
  }

  /** Casts and infos dropped at a full mailbox. */
  long dropped() {
    return dropped == null ? 0 : dropped.sum();
  }

  /** Calls refused at a full mailbox. */
  long refused() {
    return refused == null ? 0 : refused.sum();
  }


  /**
   * The server stopped: what waits is dropped (the callers of waiting calls are failed through
   * their monitors). Returns how many outcomes of piped work were among it.
   */
  int clear() {
    credit();
    int piped = 0;
    Envelope next;
    while ((next = queue.poll()) != null) {
      if (queued != null) {
        queued.decrementAndGet();
      }
      if (next instanceof Envelope.Piped) {
        piped++;
      }
    }
    return piped;
  }
}
