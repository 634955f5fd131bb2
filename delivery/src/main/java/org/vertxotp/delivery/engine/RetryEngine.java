package org.vertxotp.delivery.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.DoubleSupplier;
import org.vertxotp.delivery.BreakerPolicy;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.RetryPolicy;
import org.vertxotp.delivery.spi.StoredDelivery;

/**
 * The decisions of one delivery worker, and nothing else: {@code apply(event, now)} moves the
 * state and returns what to do (dispatch, arm the wake-up, write to the store, answer a call,
 * announce an end), with no timer, no I/O and no randomness but the source it was given. Tests
 * drive it with tables.
 *
 * <ul>
 *   <li>One settle step turns an attempt's outcome into the next state: delivered, retried after
 *       its slot (or the peer's longer {@code Retry-After}), or ended (dead letter or drop).
 *       Nothing ended ever fires again.</li>
 *   <li>The store is kept in step id by id ({@link StoreSync}): a call is answered once the store
 *       kept what it changed, or refused and undone; an outcome's change is written until it is
 *       kept. Nothing is sent, and no end announced, before the store has it.</li>
 *   <li>Due deliveries go in order of due time, then enqueue order, at most {@code concurrency} in
 *       flight, unless the destination is held ({@link DestinationHold}: a peer's
 *       {@code Retry-After}, a {@code 429}) or its {@link Breaker} is open; a redrive's deliveries
 *       start no faster than its rate ({@link RedrivePace}). Waits are due times, not sleeps.</li>
 *   <li>The wake-up is derived from the state, so a lost, duplicated or stale wake changes nothing.</li>
 * </ul>
 *
 * <p>Confined to its owner (the worker's context): not thread-safe.
 */
public final class RetryEngine {

  /** How the engine decides: the options' policies, and how many attempts may be out at once. */
  public record Settings(RetryPolicy retry, BreakerPolicy breaker, int concurrency) {
    public Settings {
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(breaker, "breaker");
      if (concurrency < 1) {
        throw new IllegalArgumentException("at least one attempt must be allowed in flight: " + concurrency);
      }
    }
  }

  private final Settings settings;
  private final Map<String, Entry> pending = new HashMap<>();
  private final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
  private final Dispatcher dispatcher;
  private final StoreSync sync = new StoreSync(this::recordOf);
  private final Calls calls = new Calls();
  private final Counters counters = new Counters();
  private final Settling settling;
  private long nextSequence = 1;

  /** @param random the jitter's source of numbers in [0, 1) */
  public RetryEngine(Settings settings, DoubleSupplier random) {
    this.settings = settings;
    this.dispatcher = new Dispatcher(settings.concurrency(), settings.breaker(), this::mayStart);
    this.settling = new Settling(settings.retry(), random, pending, deadLetters, dispatcher, sync, counters);
  }

  /** Moves the state by {@code event} at {@code now} (wall-clock milliseconds) and says what to do. */
  public List<Effect> apply(Event event, long now) {
    List<Effect> effects = new ArrayList<>(4);
    if (event instanceof Event.Enqueue enqueue) {
      if (!calls.holdBack(enqueue.delivery().id(), event)) {
        enqueue(enqueue, now, effects);
      }
    } else if (event instanceof Event.Settled settled) {
      settle(settled.ticket(), settled.outcome(), now, effects);
    } else if (event instanceof Event.Written written) {
      written(written.id(), written.version(), now, effects);
    } else if (event instanceof Event.WriteFailed failed) {
      writeFailed(failed, now, effects);
    } else if (event instanceof Event.Cancel cancel) {
      if (!calls.holdBack(cancel.id(), event)) {
        cancel(cancel, effects);
      }
    } else if (event instanceof Event.Flush) {
      flush(now);
    } else if (event instanceof Event.Redrive redrive) {
      redrive(redrive, now, effects);
    } else if (event instanceof Event.Restore restore) {
      restore(restore);
    } else if (event instanceof Event.Due) {
      dispatcher.woken(); // the wake that brought this is spent, even if it came early (a wall clock set back)
    }
    pump(now, effects);
    return effects;
  }

  // ---- calls

  /** The calls held back behind {@code answered} go now, in order. */
  private void resume(List<Calls.Group> answered, long now, List<Effect> effects) {
    calls.resume(answered, call -> {
      if (call instanceof Event.Enqueue enqueue) {
        enqueue(enqueue, now, effects);
      } else {
        cancel((Event.Cancel) call, effects);
      }
    });
  }

  private void enqueue(Event.Enqueue enqueue, long now, List<Effect> effects) {
    String id = enqueue.delivery().id();
    if (pending.containsKey(id)) { // a duplicate changes nothing, and is answered once the store has the id as it is
      long unkept = sync.unkeptVersion(id);
      if (unkept == 0) {
        effects.add(new Effect.Answer(enqueue.caller(), false));
      } else {
        calls.add(calls.open(enqueue.caller(), false), id, unkept, new Calls.Unchanged());
      }
      return;
    }
    Entry entry = new Entry(enqueue.delivery(), nextSequence++, Millis.plus(now, Math.max(0, enqueue.delayMillis())), false);
    entry.replaced = deadLetters.remove(id); // the write of the pending record forgets it, in one step
    pending.put(id, entry);
    calls.add(calls.open(enqueue.caller(), true), id, sync.changed(id, effects), new Calls.Created(entry));
  }

  private void cancel(Event.Cancel cancel, List<Effect> effects) {
    Entry entry = pending.remove(cancel.id());
    if (entry == null) {
      effects.add(new Effect.Answer(cancel.caller(), false));
      return;
    }
    entry.invalidate(); // its queue slot, if any, is stale
    entry.withdrawn = entry.inFlight(); // an attempt out no longer counts (it still takes its slot)
    calls.add(calls.open(cancel.caller(), true), cancel.id(), sync.changed(cancel.id(), effects), new Calls.Removed(entry));
  }

  private void redrive(Event.Redrive redrive, long now, List<Effect> effects) {
    List<DeadLetter> chosen = new ArrayList<>();
    for (String id : redrive.ids().isEmpty() ? List.copyOf(deadLetters.keySet()) : new LinkedHashSet<>(redrive.ids())) {
      DeadLetter letter = deadLetters.get(id);
      if (letter != null) {
        chosen.add(letter);
      }
    }
    if (chosen.isEmpty()) {
      effects.add(new Effect.Answer(redrive.caller(), 0));
      return;
    }
    RedrivePace pace = new RedrivePace(redrive.perSecond());
    dispatcher.pace(pace);
    Calls.Group group = calls.open(redrive.caller(), chosen.size());
    for (DeadLetter letter : chosen) {
      Entry entry = new Entry(letter.delivery(), nextSequence++, now, false);
      entry.replaced = deadLetters.remove(letter.id()); // forgotten with the pending record's write, in one step
      pending.put(letter.id(), entry);
      pace.add(entry);
      calls.add(group, letter.id(), sync.changed(letter.id(), effects), new Calls.Created(entry));
    }
  }

  private void flush(long now) {
    for (Entry entry : pending.values()) {
      if (!entry.inFlight() && entry.pace == null && entry.dueMillis > now) {
        entry.dueMillis = now;
        release(entry);
      }
    }
  }

  private void restore(Event.Restore restore) {
    for (StoredDelivery s : restore.state().pending()) { // the due queue orders them (due time, then sequence)
      Entry entry = Entry.restored(s);
      pending.put(entry.id(), entry);
      release(entry);
      nextSequence = Math.max(nextSequence, s.sequence() + 1);
    }
    for (DeadLetter letter : restore.state().deadLetters()) {
      // A store keeps an id as pending or as a dead letter, never both; if one held both anyway,
      // the pending delivery wins, and its next write forgets the dead letter.
      if (!pending.containsKey(letter.id())) {
        deadLetters.put(letter.id(), letter);
      }
    }
  }

  // ---- the store's answers

  private void written(String id, long version, long now, List<Effect> effects) {
    Set<Entry> ready = new LinkedHashSet<>();
    if (sync.kept(id, version, effects) && pending.containsKey(id)) {
      ready.add(pending.get(id));
    }
    List<Calls.Group> kept = calls.kept(id, version);
    for (Calls.Group group : kept) {
      for (Calls.Change change : group.changes) {
        if (change.undo() instanceof Calls.Created created) {
          created.entry().accepted = true;
          created.entry().replaced = null; // kept: it will not be undone
          ready.add(created.entry());
        }
      }
      effects.add(new Effect.Answer(group.caller, group.answer));
    }
    ready.forEach(this::release);
    resume(kept, now, effects);
  }

  private void writeFailed(Event.WriteFailed failed, long now, List<Effect> effects) {
    sync.failed(failed.id(), failed.version(), now);
    List<Calls.Group> refused = calls.failed(failed.id(), failed.version());
    for (Calls.Group group : refused) {
      for (int i = group.changes.size() - 1; i >= 0; i--) {
        undo(group.changes.get(i), effects);
      }
      effects.add(new Effect.Refuse(group.caller, "the delivery store failed: " + failed.reason()));
    }
    resume(refused, now, effects);
  }

  /**
   * Takes back one change of a call the store did not keep. The calls of one id never overlap, so
   * the change is still there to take back (the checks guard it all the same).
   */
  private void undo(Calls.Change change, List<Effect> effects) {
    String id = change.id();
    if (change.undo() instanceof Calls.Created created && pending.get(id) == created.entry()) {
      Entry entry = pending.remove(id);
      entry.invalidate();
      if (entry.replaced != null) {
        deadLetters.put(id, entry.replaced);
      }
      sync.changed(id, effects);
    } else if (change.undo() instanceof Calls.Removed removed && removed.entry().accepted && !pending.containsKey(id)
        && !deadLetters.containsKey(id)) {
      Entry entry = removed.entry();
      pending.put(id, entry);
      sync.changed(id, effects); // goes back in the queue once the store has it again
      if (entry.pace != null) {
        dispatcher.pace(entry.pace, entry); // a redriven one not started yet keeps its place behind the rate
      }
      entry.withdrawn = false; // its attempt out, if any, counts again
      if (entry.withdrawnOutcome != null) { // it came back while the cancel was being written: it counts now, as of then
        Outcome outcome = entry.withdrawnOutcome;
        entry.withdrawnOutcome = null;
        settling.settled(entry, 0, outcome, entry.withdrawnAtMillis, false, effects);
      }
    }
  }

  // ---- outcomes

  private void settle(long ticket, Outcome outcome, long now, List<Effect> effects) {
    Entry entry = dispatcher.returned(ticket);
    if (entry == null) {
      return;
    }
    if (entry.withdrawn) { // cancelled while out: it tells nothing, unless the cancel is refused
      entry.withdrawn = false;
      entry.withdrawnOutcome = outcome;
      entry.withdrawnAtMillis = now;
      dispatcher.breaker().withdrawn(ticket, now);
      return;
    }
    settling.settled(entry, ticket, outcome, now, true, effects);
  }

  // ---- what goes now, and when to wake

  /** Queues {@code entry} to go when due if it may: pending, accepted, stored as it is, not out, not paced. */
  private void release(Entry entry) {
    if (mayStart(entry) && !entry.inFlight() && entry.pace == null) {
      dispatcher.queue(entry, pending.size());
    }
  }

  private boolean mayStart(Entry entry) {
    return pending.get(entry.id()) == entry && entry.accepted && sync.isSynced(entry.id());
  }

  private void pump(long now, List<Effect> effects) {
    sync.retryIfDue(now, effects);
    dispatcher.pump(now, effects, entry -> settling.failedWhereItWaited(entry, now, effects));
    dispatcher.armWake(now, sync.retryArmed() ? OptionalLong.of(sync.retryAtMillis()) : OptionalLong.empty(), effects);
  }

  private Record recordOf(String id) {
    Entry entry = pending.get(id);
    if (entry != null) {
      return new Record.Pending(entry.stored());
    }
    DeadLetter letter = deadLetters.get(id);
    return letter != null ? new Record.Dead(letter) : new Record.Gone();
  }

  // ---- queries

  public boolean isPending(String id) {
    return pending.containsKey(id);
  }

  public Optional<DeliveryStatus> status(String id) {
    Entry entry = pending.get(id);
    return entry == null ? Optional.empty() : Optional.of(entry.status());
  }

  /** How many deliveries are pending (waiting or in flight). */
  public int pendingCount() {
    return pending.size();
  }

  /** How many dead letters are kept. */
  public int deadLetterCount() {
    return deadLetters.size();
  }

  /** Deliveries and dead letters whose latest change the store has not kept yet (written, or to be written again). */
  public int unstoredCount() {
    return sync.unsyncedCount();
  }

  /** Slots in the due queue, stale ones included: for tests of its upkeep. */
  int dueSlots() {
    return dispatcher.dueSlots();
  }

  /** Pending deliveries in enqueue order. */
  public List<DeliveryStatus> pending() {
    List<Entry> entries = new ArrayList<>(pending.values());
    entries.sort(Comparator.comparingLong(e -> e.sequence));
    List<DeliveryStatus> statuses = new ArrayList<>(entries.size());
    entries.forEach(e -> statuses.add(e.status()));
    return statuses;
  }

  /** Dead letters, oldest first. */
  public List<DeadLetter> deadLetters() {
    return Collections.unmodifiableList(new ArrayList<>(deadLetters.values()));
  }

  /** When the engine wants to be woken next, if at all. */
  public OptionalLong wake() {
    return dispatcher.wake();
  }

  /** Attempts out now (a cancelled one still counts until it comes back). */
  public int inFlight() {
    return dispatcher.inFlight();
  }

  /** True while the breaker keeps deliveries back (open) or lets one probe through (half open). */
  public boolean isBreakerOpen() {
    return !dispatcher.breaker().isClosed();
  }

  /** True while the peer's {@code Retry-After} (or a {@code 429}) holds the whole destination at {@code now}. */
  public boolean isHeld(long now) {
    return dispatcher.hold().holds(now);
  }

  public Counters counters() {
    return counters;
  }
}
