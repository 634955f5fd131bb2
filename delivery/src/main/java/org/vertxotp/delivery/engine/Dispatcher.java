package org.vertxotp.delivery.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.vertxotp.delivery.BreakerPolicy;

/**
 * Who goes now, and when to look again: the due queue and the redrives' paces, gated by the
 * destination's hold and its breaker, at most {@code concurrency} attempts out. It owns the
 * attempts in flight and the one wake-up; the engine owns what the deliveries are.
 */
final class Dispatcher {

  private final int concurrency;
  private final DueQueue due = new DueQueue();
  private final List<RedrivePace> paces = new ArrayList<>(0);
  private final DestinationHold hold = new DestinationHold();
  private final Breaker breaker;
  private final Map<Long, Entry> inFlight = new HashMap<>();
  /** Whether a redrive's next delivery may start (pending, accepted, stored as it is). */
  private final Predicate<Entry> mayStart;
  private long nextTicket = 1;
  private boolean wakeArmed;
  private long armedWake;

  Dispatcher(int concurrency, BreakerPolicy breaker, Predicate<Entry> mayStart) {
    this.concurrency = concurrency;
    this.breaker = new Breaker(breaker);
    this.mayStart = mayStart;
  }

  Breaker breaker() {
    return breaker;
  }

  DestinationHold hold() {
    return hold;
  }

  /** Queues {@code entry} to go when due; {@code live} is how many could be queued at most (for the queue's upkeep). */
  void queue(Entry entry, int live) {
    due.add(entry, live);
  }

  void pace(RedrivePace pace) {
    paces.add(pace);
  }

  /** Puts {@code entry} back in {@code pace}, at its end (a refused cancel of it was undone). */
  void pace(RedrivePace pace, Entry entry) {
    pace.add(entry);
    if (!paces.contains(pace)) {
      paces.add(pace);
    }
  }

  /** The entry whose attempt {@code ticket} came back, no longer out; null if none was. */
  Entry returned(long ticket) {
    Entry entry = inFlight.remove(ticket);
    if (entry != null) {
      entry.ticket = 0;
    }
    return entry;
  }

  int inFlight() {
    return inFlight.size();
  }

  int dueSlots() {
    return due.slots();
  }

  /** The spent wake-up is forgotten: the next {@link #armWake} arms one again if anything waits on time. */
  void woken() {
    wakeArmed = false;
  }

  OptionalLong wake() {
    return wakeArmed ? OptionalLong.of(armedWake) : OptionalLong.empty();
  }

  /**
   * Sends what may go at {@code now}: the probe if the breaker's cool-off ended, then as much as
   * the cap allows if it is closed. With a failing breaker open, what falls due goes to
   * {@code failHeldBack} instead. Nothing at all while the destination is held.
   */
  void pump(long now, List<Effect> effects, Consumer<Entry> failHeldBack) {
    if (!hold.holds(now)) {
      int room = concurrency - inFlight.size();
      if (breaker.mayProbe(now) && room > 0) {
        Entry probe = takeNext(now);
        if (probe == null) {
          breaker.nothingToProbe();
        } else {
          dispatch(probe, now, effects);
          breaker.probing(probe.ticket);
        }
      }
      if (breaker.isClosed()) {
        for (Entry next; room > 0 && (next = takeNext(now)) != null; room--) {
          dispatch(next, now, effects);
        }
      } else if (breaker.failsWhileOpen()) {
        for (Entry next; (next = due.pollDue(now)) != null; ) {
          failHeldBack.accept(next);
        }
        for (RedrivePace pace : paces) { // a redriven one too, but at its turn: the next of the redrive waits the interval
          Entry next = pace.head();
          if (next != null && mayStart.test(next) && pace.readyAtMillis(next) <= now) {
            pace.started(now);
            failHeldBack.accept(next);
          }
        }
      }
    }
    paces.removeIf(RedrivePace::isDone);
  }

  /** The next delivery to go at {@code now} (due, and its redrive's rate allows it), taken out of its queue; null if none. */
  private Entry takeNext(long now) {
    Entry best = due.head();
    long bestAt = due.headDueMillis();
    for (RedrivePace pace : paces) {
      Entry head = pace.head();
      if (head != null && mayStart.test(head)) {
        long at = pace.readyAtMillis(head);
        if (best == null || at < bestAt || at == bestAt && head.sequence < best.sequence) {
          best = head;
          bestAt = at;
        }
      }
    }
    if (best == null || bestAt > now) {
      return null;
    }
    return best.pace == null ? due.pollDue(now) : best; // a paced one leaves its pace when it starts
  }

  private void dispatch(Entry entry, long now, List<Effect> effects) {
    entry.ticket = nextTicket++; // out: stale in its queue from now on
    inFlight.put(entry.ticket, entry);
    if (entry.pace != null) {
      entry.pace.started(now);
    }
    effects.add(new Effect.Dispatch(entry.delivery, entry.attempts + 1, entry.ticket));
  }

  /**
   * Arms the one wake-up for the earliest of {@code alsoAt} (a store retry) and the next time a
   * delivery could go (or, with a failing breaker open, fail), or cancels it if nothing waits on
   * time. Changes it only when the time changes.
   */
  void armWake(long now, OptionalLong alsoAt, List<Effect> effects) {
    long wake = alsoAt.orElse(Long.MAX_VALUE);
    long next = nextDue();
    if (next != Long.MAX_VALUE) {
      if (hold.holds(now)) {
        next = Math.max(next, hold.untilMillis());
      }
      Breaker.State state = breaker.state();
      boolean failing = breaker.failsWhileOpen() && !(state instanceof Breaker.Closed);
      if (state instanceof Breaker.Open open && !failing) {
        next = Math.max(next, open.untilMillis()); // then the probe
      }
      // A full cap, or a probe out, is freed by an outcome, not by time.
      if (failing || (inFlight.size() < concurrency && !(state instanceof Breaker.Probing))) {
        wake = Math.min(wake, next);
      }
    }
    if (wake == Long.MAX_VALUE) {
      if (wakeArmed) {
        wakeArmed = false;
        effects.add(new Effect.CancelWake());
      }
    } else if (!wakeArmed || armedWake != wake) {
      wakeArmed = true;
      armedWake = wake;
      effects.add(new Effect.ArmWake(wake, Math.max(0, Millis.minus(wake, now))));
    }
  }

  /** The earliest time a queued delivery could go, its rate considered; {@code Long.MAX_VALUE} if none is queued. */
  private long nextDue() {
    long next = due.headDueMillis();
    for (RedrivePace pace : paces) {
      Entry paced = pace.head();
      if (paced != null && mayStart.test(paced)) {
        next = Math.min(next, pace.readyAtMillis(paced));
      }
    }
    return next;
  }
}
