package org.vertxotp.delivery.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.DoubleSupplier;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.spi.StoredDelivery;

/**
 * The decisions of one delivery worker, and nothing else: {@code apply(event, now)} moves the
 * state and returns what to do (dispatch, arm the wake-up, store, dead-letter, publish), with no
 * timer, no I/O and no randomness but the source it was given. Tests drive it with tables.
 *
 * <ul>
 *   <li>One settle step turns an attempt's outcome into the next state: delivered, retried after
 *       its slot (or the peer's {@code Retry-After}, clamped), or ended (dead letter or drop).
 *       Nothing ended ever fires again.</li>
 *   <li>Due deliveries go in order of due time, then enqueue order, at most {@code concurrency} in
 *       flight. A retrying delivery never delays another: waits are due times, not sleeps.</li>
 *   <li>The wake-up is derived from the state (the earliest due time, or the breaker's cool-off),
 *       so a lost, duplicated or stale wake changes nothing.</li>
 *   <li>A circuit breaker: after {@code breakerThreshold} transient failures in a row, nothing is
 *       sent for {@code breakerCoolOff}; then one probe decides. Deliveries that fall due meanwhile
 *       wait; they are not attempts.</li>
 *   <li>Finding what is due costs O(due) (a heap of due times); a delivery is found by id in O(1).</li>
 * </ul>
 *
 * <p>Confined to its owner (the worker's context): not thread-safe.
 */
public final class RetryEngine {

  /** How the engine decides. */
  public record Settings(RetryPolicy policy, int concurrency, int breakerThreshold, long breakerCoolOffMillis,
                         long maxRetryAfterMillis) {
    public Settings {
      if (concurrency < 1 || breakerThreshold < 1 || breakerCoolOffMillis < 0 || maxRetryAfterMillis < 0) {
        throw new IllegalArgumentException("concurrency and breaker threshold >= 1, times >= 0");
      }
    }
  }

  private static final long NO_WAKE = Long.MIN_VALUE;

  /** One pending delivery. */
  private static final class Entry {
    final Delivery delivery;
    final long sequence;
    /** The dead letter this delivery replaced (re-enqueued or redriven), kept until its save is confirmed, to undo it. */
    DeadLetter replaced;
    int attempts;
    long dueMillis;
    int lastStatus;
    String lastReason;
    long firstFailureMillis;
    long lastFailureMillis;
    /** The ticket of its attempt in flight, or 0. */
    long ticket;
    /** Bumped whenever it is (re)queued: a heap slot of an older generation is stale. */
    long generation;

    Entry(Delivery delivery, long sequence, long dueMillis) {
      this.delivery = delivery;
      this.sequence = sequence;
      this.dueMillis = dueMillis;
    }

    StoredDelivery stored() {
      return new StoredDelivery(delivery, sequence, attempts, dueMillis, lastStatus, lastReason, firstFailureMillis,
          lastFailureMillis);
    }

    DeadLetter deadLetter() {
      return new DeadLetter(delivery, attempts, lastStatus, lastReason, firstFailureMillis, lastFailureMillis);
    }
  }

  /** A place in the due heap; stale once its entry was requeued, dispatched or removed. */
  private record Slot(Entry entry, long generation, long dueMillis, long sequence) {}

  private static final Comparator<Slot> BY_DUE_THEN_ENQUEUE =
      Comparator.comparingLong(Slot::dueMillis).thenComparingLong(Slot::sequence);

  private final Settings settings;
  private final DoubleSupplier random;
  private final Map<String, Entry> pending = new HashMap<>();
  private final Map<Long, Entry> inFlight = new HashMap<>();
  private final PriorityQueue<Slot> due = new PriorityQueue<>(BY_DUE_THEN_ENQUEUE);
  private final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
  private long nextSequence = 1;
  private long nextTicket = 1;
  private long armedWake = NO_WAKE;
  private int consecutiveFailures;
  private long openUntil;
  private boolean probing;
  private long probeTicket;
  private final Counters counters = new Counters();

  /** What the worker did since it started: for {@code Sys} and the meters. */
  public static final class Counters {
    long delivered;
    long retried;
    long deadLettered;
    long dropped;

    public long delivered() {
      return delivered;
    }

    public long retried() {
      return retried;
    }

    public long deadLettered() {
      return deadLettered;
    }

    public long dropped() {
      return dropped;
    }
  }

  /** @param random the jitter's source of numbers in [0, 1) */
  public RetryEngine(Settings settings, DoubleSupplier random) {
    this.settings = settings;
    this.random = random;
  }

  /** Moves the state by {@code event} at {@code now} (wall-clock milliseconds) and says what to do. */
  public List<Effect> apply(Event event, long now) {
    List<Effect> effects = new ArrayList<>(4);
    if (event instanceof Event.Enqueue enqueue) {
      enqueue(enqueue.delivery(), plus(now, Math.max(0, enqueue.delayMillis())), effects);
    } else if (event instanceof Event.Settled settled) {
      settle(settled.ticket(), settled.outcome(), now, effects);
    } else if (event instanceof Event.Cancel cancel) {
      cancel(cancel.id(), effects);
    } else if (event instanceof Event.Flush) {
      flush(now);
    } else if (event instanceof Event.Redrive redrive) {
      redrive(redrive, now, effects);
    } else if (event instanceof Event.Restore restore) {
      restore(restore);
    } else if (event instanceof Event.Rollback rollback) {
      rollback(rollback, effects);

    } else if (event instanceof Event.Due) {
      armedWake = NO_WAKE; // the wake that brought this is spent, even if it came early (a wall clock set back)
    }
    pump(now, effects);
    return effects;
  }

  // ---- events

  private void enqueue(Delivery delivery, long dueMillis, List<Effect> effects) {
    if (pending.containsKey(delivery.id())) {
      return; // deduplicated: the one pending goes on as it was
    }
    Entry entry = new Entry(delivery, nextSequence++, dueMillis);
    entry.replaced = deadLetters.remove(delivery.id()); // the store forgets it with the save, in one step
    pending.put(delivery.id(), entry);
    queue(entry);
    effects.add(new Effect.Save(entry.stored()));
  }

  /** The one place where an attempt's outcome becomes the delivery's next state. */
  private void settle(long ticket, Outcome outcome, long now, List<Effect> effects) {
    Entry entry = inFlight.remove(ticket);
    if (entry == null || entry.ticket != ticket) {
      if (probing && ticket == probeTicket) {
        probing = false; // the probe's delivery was cancelled: it told nothing, so probe again
        openUntil = now == 0 ? 1 : now;
      }
      return; // an attempt of a delivery cancelled meanwhile
    }
    entry.ticket = 0;
    entry.attempts++;
    if (outcome instanceof Outcome.Delivered) {
      breakerHeard(true, ticket, now);
      pending.remove(entry.delivery.id());
      counters.delivered++;
      effects.add(new Effect.Remove(entry.delivery.id()));
      return;
    }
    entry.lastStatus = outcome.status();
    entry.lastReason = outcome instanceof Outcome.Transient t ? t.reason() : ((Outcome.Permanent) outcome).reason();
    if (entry.firstFailureMillis == 0) {
      entry.firstFailureMillis = now;
    }
    entry.lastFailureMillis = now;
    if (outcome instanceof Outcome.Permanent) {
      breakerHeard(true, ticket, now); // the peer answered: it is up
      end(entry, effects);
      return;
    }
    breakerHeard(false, ticket, now);
    RetryPolicy policy = settings.policy();
    if (policy.isExhausted(entry.attempts)) {
      end(entry, effects);
      return;
    }
    Outcome.Transient failure = (Outcome.Transient) outcome;
    long wait = failure.retryAfterMillis().isPresent()
        ? Math.min(Math.max(0, failure.retryAfterMillis().getAsLong()), settings.maxRetryAfterMillis())
        : policy.backoffMillis(entry.attempts, random.getAsDouble());
    entry.dueMillis = plus(now, wait);
    queue(entry);
    counters.retried++;
    effects.add(new Effect.Save(entry.stored()));
  }

  /** A delivery that will not be attempted again: a dead letter, or dropped, as the policy says. */
  private void end(Entry entry, List<Effect> effects) {
    pending.remove(entry.delivery.id());
    entry.generation++;
    DeadLetter letter = entry.deadLetter();
    if (settings.policy().exhausted() == RetryPolicy.Exhausted.DEAD_LETTER) {
      deadLetters.put(letter.id(), letter);
      counters.deadLettered++;
      effects.add(new Effect.DeadLettered(letter));
    } else {
      counters.dropped++;
      effects.add(new Effect.Dropped(letter));
    }
  }

  private void cancel(String id, List<Effect> effects) {
    Entry entry = pending.remove(id);
    if (entry != null) {
      entry.generation++; // its heap slot, if any, is stale
      if (entry.ticket != 0) {
        entry.ticket = -entry.ticket; // the attempt in flight no longer counts (still counted in flight)
      }
      effects.add(new Effect.Remove(id));
    }
  }

  /**
   * Takes back a delivery whose save failed, in the engine and in the store alike. What the store
   * holds of it is uncertain (a retry may have saved it since, a redrive's other saves may have
   * succeeded), so the undo is written, not assumed: the dead letter it replaced is stored again,
   * or the pending record removed.
   */
  private void rollback(Event.Rollback rollback, List<Effect> effects) {
    String id = rollback.id();
    Entry entry = pending.get(id);
    if (entry == null || entry.sequence != rollback.sequence()) {
      // Ended, cancelled or enqueued again meanwhile: another state stands now. Only if nothing of
      // this id is left may the store still hold a dead letter it replaced: forget it.
      if (entry == null && !deadLetters.containsKey(id)) {
        effects.add(new Effect.Remove(id));
      }
      return;
    }
    pending.remove(id);
    entry.generation++;
    if (entry.ticket != 0) {
      entry.ticket = -entry.ticket; // the attempt in flight no longer counts
    }
    if (entry.replaced != null) {
      deadLetters.put(id, entry.replaced);
      effects.add(new Effect.DeadLetterAgain(entry.replaced));
    } else {
      effects.add(new Effect.Remove(id));
    }
  }

  private void flush(long now) {
    for (Entry entry : pending.values()) {
      if (entry.ticket == 0 && entry.dueMillis > now) {
        entry.dueMillis = now;
        queue(entry);
      }
    }
  }

  private void redrive(Event.Redrive redrive, long now, List<Effect> effects) {
    List<DeadLetter> chosen = new ArrayList<>();
    if (redrive.ids().isEmpty()) {
      chosen.addAll(deadLetters.values());
    } else {
      for (String id : redrive.ids()) {
        DeadLetter letter = deadLetters.get(id);
        if (letter != null) {
          chosen.add(letter);
        }
      }
    }
    double spacing = 1000.0 / redrive.perSecond();
    for (int i = 0; i < chosen.size(); i++) {
      DeadLetter letter = chosen.get(i);
      deadLetters.remove(letter.id());
      Entry entry = new Entry(letter.delivery(), nextSequence++, plus(now, (long) Math.ceil(i * spacing)));
      entry.replaced = letter; // the store forgets it with the save, in one step
      pending.put(letter.id(), entry);
      queue(entry);
      effects.add(new Effect.Save(entry.stored()));
    }
  }

  private void restore(Event.Restore restore) {
    List<StoredDelivery> stored = new ArrayList<>(restore.state().pending());
    stored.sort(Comparator.comparingLong(StoredDelivery::sequence));
    for (StoredDelivery s : stored) {
      Entry entry = new Entry(s.delivery(), s.sequence(), s.dueMillis());
      entry.attempts = s.attempts();
      entry.lastStatus = s.lastStatus();
      entry.lastReason = s.lastReason();
      entry.firstFailureMillis = s.firstFailureMillis();
      entry.lastFailureMillis = s.lastFailureMillis();
      pending.put(s.delivery().id(), entry);
      queue(entry);
      nextSequence = Math.max(nextSequence, s.sequence() + 1);
    }
    for (DeadLetter letter : restore.state().deadLetters()) {
      // A store keeps an id as pending or as a dead letter, never both (a save replaces the one, a
      // dead letter the other); if one held both anyway, the pending delivery wins, and its next
      // save forgets the dead letter.
      if (!pending.containsKey(letter.id())) {
        deadLetters.put(letter.id(), letter);
      }
    }
  }

  // ---- what goes now, and when to wake

  private void queue(Entry entry) {
    entry.generation++;
    due.add(new Slot(entry, entry.generation, entry.dueMillis, entry.sequence));
    if (due.size() > 64 && due.size() > 2 * pending.size()) {
      // Cancelled, ended and requeued deliveries leave stale slots behind (holding their payloads):
      // sweep them once they outnumber the live ones, so the heap stays within twice what is pending.
      due.removeIf(RetryEngine::isStale);
    }
  }

  private static boolean isStale(Slot slot) {
    return slot.generation() != slot.entry().generation || slot.entry().ticket != 0;
  }

  /** {@code a - b}, saturating instead of overflowing. */
  static long minus(long a, long b) {
    long difference = a - b;
    return ((a ^ b) & (a ^ difference)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : difference;
  }

  /** {@code a + b}, saturating instead of overflowing (a due time far in the future stays far in the future). */
  static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
  }

  /** The earliest slot still current, stale ones dropped on the way; null if none. */
  private Slot head() {
    Slot head;
    while ((head = due.peek()) != null && isStale(head)) {
      due.poll();
    }
    return head;
  }

  private void pump(long now, List<Effect> effects) {
    if (openUntil != 0 && now >= openUntil && !probing && inFlight.size() < settings.concurrency()) {
      openUntil = 0;
      probing = true; // half open: the next dispatch is the probe, alone
      if (!dispatchDue(now, 1, effects)) {
        probing = false; // nothing to probe with: closed again
        consecutiveFailures = 0;
      }
    } else if (openUntil == 0 && !probing) {
      dispatchDue(now, settings.concurrency() - inFlight.size(), effects);
    }
    long wake = NO_WAKE;
    if (openUntil != 0) {
      wake = now < openUntil ? openUntil : NO_WAKE; // past the cool-off but all slots busy: a settled attempt probes
    } else if (!probing && inFlight.size() < settings.concurrency()) {
      Slot head = head();
      if (head != null) {
        wake = head.dueMillis();
      }
    }
    if (wake != armedWake) {
      armedWake = wake;
      effects.add(wake == NO_WAKE ? new Effect.CancelWake() : new Effect.ArmWake(wake, Math.max(0, minus(wake, now))));
    }
  }

  /** Dispatches up to {@code room} due deliveries, in order; true if it dispatched any. */
  private boolean dispatchDue(long now, int room, List<Effect> effects) {
    boolean any = false;
    for (int i = 0; i < room; i++) {
      Slot head = head();
      if (head == null || head.dueMillis() > now) {
        break;
      }
      due.poll();
      Entry entry = head.entry();
      entry.ticket = nextTicket++;
      entry.generation++;
      inFlight.put(entry.ticket, entry);
      effects.add(new Effect.Dispatch(entry.delivery, entry.attempts + 1, entry.ticket));
      if (probing) {
        probeTicket = entry.ticket;
      }
      any = true;
    }
    return any;
  }

  /**
   * The breaker hears how attempt {@code ticket} went: {@code answered} (delivered, or a
   * permanent answer: the peer is up, whatever was going on) or a transient failure. Only the
   * probe's failure opens it again; failures of attempts that were already out when it opened do
   * not lengthen the cool-off.
   */
  private void breakerHeard(boolean answered, long ticket, long now) {
    if (answered) {
      consecutiveFailures = 0;
      probing = false;
      openUntil = 0;
      return;
    }
    boolean probeFailed = probing && ticket == probeTicket;
    if (!probeFailed && (openUntil != 0 || probing)) {
      return; // open, or waiting for the probe: this failure tells nothing new
    }
    consecutiveFailures++;
    if (probeFailed || consecutiveFailures >= settings.breakerThreshold()) {
      probing = false;
      openUntil = Math.max(1, plus(now, settings.breakerCoolOffMillis())); // 0 means closed
    }
  }

  // ---- queries

  public boolean isPending(String id) {
    return pending.containsKey(id);
  }

  /**
   * The store kept the save of the delivery {@code id} enqueued (or redriven) as {@code sequence}:
   * it will not be rolled back, so the dead letter it replaced need not be kept for that. Changes
   * nothing else and asks for nothing.
   */
  public void saved(String id, long sequence) {
    Entry entry = pending.get(id);
    if (entry != null && entry.sequence == sequence) {
      entry.replaced = null;
    }
  }

  /** The enqueue sequence of the pending delivery {@code id}, or -1 if none is pending. */
  public long sequenceOf(String id) {
    Entry entry = pending.get(id);
    return entry == null ? -1 : entry.sequence;
  }

  public Optional<DeliveryStatus> status(String id) {
    Entry entry = pending.get(id);
    return entry == null ? Optional.empty() : Optional.of(status(entry));
  }

  private static DeliveryStatus status(Entry entry) {
    return new DeliveryStatus(entry.delivery.id(), entry.delivery.target(), entry.attempts, entry.ticket > 0,
        entry.dueMillis, Optional.ofNullable(entry.lastReason));
  }

  /** How many deliveries are pending (waiting or in flight). */
  public int pendingCount() {
    return pending.size();
  }

  /** How many dead letters are kept. */
  public int deadLetterCount() {
    return deadLetters.size();
  }

  /** Slots in the due heap, stale ones included: for tests of its upkeep. */
  int dueSlots() {
    return due.size();
  }

  /** Pending deliveries in enqueue order. */
  public List<DeliveryStatus> pending() {
    List<Entry> entries = new ArrayList<>(pending.values());
    entries.sort(Comparator.comparingLong(e -> e.sequence));
    List<DeliveryStatus> statuses = new ArrayList<>(entries.size());
    entries.forEach(e -> statuses.add(status(e)));
    return statuses;
  }

  /** Dead letters, oldest first. */
  public List<DeadLetter> deadLetters() {
    return Collections.unmodifiableList(new ArrayList<>(deadLetters.values()));
  }

  /** When the engine wants to be woken next, if at all. */
  public java.util.OptionalLong wake() {
    return armedWake == NO_WAKE ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(armedWake);
  }

  public int inFlight() {
    return inFlight.size();
  }

  /** True while the breaker keeps everything back (open) or lets one probe through (half open). */
  public boolean isBreakerOpen() {
    return openUntil != 0 || probing;
  }

  public Counters counters() {
    return counters;
  }
}
