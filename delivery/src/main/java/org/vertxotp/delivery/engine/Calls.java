package org.vertxotp.delivery.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Calls waiting for the store: a call (an enqueue, a cancel, a redrive) is answered only once the
 * store kept every change it made, and if the store fails any of them, all of them are undone and
 * the call is refused. An id with a call waiting is busy: the engine holds the next call of that
 * id back until then, so the calls of one id never overlap, and each undo finds what it changed.
 * This class only keeps the books; the engine undoes.
 */
final class Calls {

  /** How to take back one change of a call. */
  sealed interface Undo permits Created, Removed, Unchanged {}

  /** The call made this pending entry (taking the place of its {@code replaced} dead letter, if any). */
  record Created(Entry entry) implements Undo {}

  /** The call took this pending entry away (a cancel). */
  record Removed(Entry entry) implements Undo {}

  /** The call changed nothing, but waits until the store has what is being written of the id (a duplicate enqueue). */
  record Unchanged() implements Undo {}

  record Change(String id, long version, Undo undo) {}

  /** One call: its caller's ticket, its answer, and its changes not yet kept. */
  static final class Group {
    final long caller;
    final Object answer;
    final List<Change> changes = new ArrayList<>(1);
    int unkept;

    Group(long caller, Object answer) {
      this.caller = caller;
      this.answer = answer;
    }
  }

  /** A group waiting for the store to keep {@code version} of an id. */
  private record Waiter(Group group, long version) {}

  private final Map<String, List<Waiter>> waitingOn = new HashMap<>();
  /** Unanswered calls with a change on each id: an id is busy until every one of them is answered. */
  private final Map<String, Integer> openOn = new HashMap<>();
  /** Calls of an id held back while it is busy, in arrival order. */
  private final Map<String, ArrayDeque<Event>> heldBack = new HashMap<>();

  Group open(long caller, Object answer) {
    return new Group(caller, answer);
  }

  /** The call {@code group} made (or waits on) version {@code version} of {@code id}. */
  void add(Group group, String id, long version, Undo undo) {
    group.changes.add(new Change(id, version, undo));
    group.unkept++;
    waitingOn.computeIfAbsent(id, k -> new ArrayList<>(1)).add(new Waiter(group, version));
    openOn.merge(id, 1, Integer::sum);
  }

  /** Groups whose last unkept change was at or before {@code version} of {@code id}: now wholly kept. */
  List<Group> kept(String id, long version) {
    List<Group> done = new ArrayList<>(0);
    List<Waiter> waiting = waitingOn.getOrDefault(id, new ArrayList<>(0));
    for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
      Waiter waiter = it.next();
      if (waiter.version() <= version) {
        it.remove();
        if (--waiter.group().unkept == 0) {
          done.add(waiter.group());
          closed(waiter.group());
        }
      }
    }
    if (waiting.isEmpty()) {
      waitingOn.remove(id);
    }
    return done;
  }

  /**
   * Groups with a change at {@code version} of {@code id}: that write failed, so they fail whole,
   * and wait no more. A change at an older version waits for its own write's answer (or a later
   * one kept): a later write's failure says nothing of it.
   */
  List<Group> failed(String id, long version) {
    List<Group> failed = new ArrayList<>(0);
    for (Waiter waiter : List.copyOf(waitingOn.getOrDefault(id, List.of()))) {
      if (waiter.version() == version) {
        failed.add(waiter.group());
        forget(waiter.group());
      }
    }
    return failed;
  }

  private void forget(Group group) {
    closed(group);
    for (Change change : group.changes) {
      List<Waiter> waiting = waitingOn.get(change.id());
      if (waiting != null) {
        waiting.removeIf(waiter -> waiter.group() == group);
        if (waiting.isEmpty()) {
          waitingOn.remove(change.id());
        }
      }
    }
  }

  /** A call was answered: the ids it changed are no longer busy because of it. */
  private void closed(Group group) {
    for (Change change : group.changes) {
      openOn.computeIfPresent(change.id(), (id, open) -> open == 1 ? null : open - 1);
    }
  }

  /** True while a call with a change on {@code id} is unanswered (a redrive stays open until all of its ids are kept). */
  boolean busy(String id) {
    return openOn.containsKey(id);
  }

  /** Holds {@code call} back if {@code id} is busy, or calls of it are held back already: true if it did. */
  boolean holdBack(String id, Event call) {
    if (!busy(id) && !heldBack.containsKey(id)) {
      return false;
    }
    heldBack.computeIfAbsent(id, k -> new ArrayDeque<>(1)).add(call);
    return true;
  }

  /**
   * Hands {@code run} the calls held back on the ids of {@code answered}, in order, each once its
   * id is free again (a call it runs may make the id busy, and the rest wait for that one).
   */
  void resume(List<Group> answered, Consumer<Event> run) {
    for (Group group : answered) {
      for (Change change : group.changes) {
        ArrayDeque<Event> waiting = heldBack.get(change.id());
        while (waiting != null && !waiting.isEmpty() && !busy(change.id())) {
          run.accept(waiting.poll());
        }
        if (waiting != null && waiting.isEmpty()) {
          heldBack.remove(change.id());
        }
      }
    }
  }

  /** Changes of calls that the store has not kept yet. */
  int waiting() {
    int count = 0;
    for (List<Waiter> waiters : waitingOn.values()) {
      count += waiters.size();
    }
    return count;
  }
}
