package org.vertxotp.genserver.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.ServerRef;

/**
 * Who must hear of a server's exit, and when: its monitors (calls, stop and kill waiters,
 * {@code Monitors}), the timers of other owners addressed to it, and the children linked to it as
 * their supervisor. Registrations come from any thread; {@link #exit} drains them once, and a
 * registration that loses the race with it is refused (one side always sees the other).
 *
 * <p>Each set is created by its first registration: most servers are never monitored by another
 * server, never the destination of another owner's timer, and supervise nothing, and an empty
 * concurrent set costs about 90 bytes. The race with {@link #exit} holds as before: a registration
 * publishes its set before it reads {@code exit}, and the exit writes {@code exit} before it reads
 * the sets, so one of them sees the other.
 */
final class Signals {

  private static final VarHandle MONITORS = Fields.of(MethodHandles.lookup(), "monitors", Set.class);
  private static final VarHandle TIMERS = Fields.of(MethodHandles.lookup(), "timersAddressedHere", Set.class);
  private static final VarHandle CHILDREN = Fields.of(MethodHandles.lookup(), "linkedChildren", Set.class);

  private final ServerRef ref;
  private volatile Set<DownListener> monitors;
  private volatile Set<TimerEntry> timersAddressedHere;
  private volatile Set<ServerProcess> linkedChildren;
  private volatile ExitReason exit;

  Signals(ServerRef ref) {
    this.ref = ref;
  }

  /** The set in {@code field}, created by the first caller that needs one. */
  @SuppressWarnings("unchecked")
  private <T> Set<T> created(VarHandle field) {
    Set<T> set = (Set<T>) field.getVolatile(this);
    if (set == null) {
      Set<T> fresh = ConcurrentHashMap.newKeySet();
      set = (Set<T>) field.compareAndExchange(this, null, fresh);
      if (set == null) {
        set = fresh;
      }
    }
    return set;
  }

  /** Removes {@code member} from the set in {@code field}, if there is one. */
  private void remove(VarHandle field, Object member) {
    Set<?> set = (Set<?>) field.getVolatile(this);
    if (set != null) {
      set.remove(member);
    }
  }

  /** The set in {@code field} if any registration ever created it; else an empty one, to read or walk only. */
  @SuppressWarnings("unchecked")
  private <T> Set<T> existing(VarHandle field) {
    Set<T> set = (Set<T>) field.getVolatile(this);
    return set == null ? Set.of() : set;
  }

  boolean exited() {
    return exit != null;
  }

  /** Adds a monitor; false (and nothing added) if the server already exited. */
  boolean monitor(DownListener listener) {
    Set<DownListener> set = created(MONITORS);
    set.add(listener);
    return exit == null || !set.remove(listener);
  }

  void demonitor(DownListener listener) {
    remove(MONITORS, listener);
  }

  int monitorCount() {
    return existing(MONITORS).size();
  }

  /** Ties another owner's timer to this server's life; false (nothing added) if it already exited. */
  boolean watch(TimerEntry timer) {
    Set<TimerEntry> set = created(TIMERS);
    set.add(timer);
    return exit == null || !set.remove(timer);
  }

  void unwatch(TimerEntry timer) {
    remove(TIMERS, timer);
  }

  /** Links a child started by this server as its supervisor; false if this server already exited. */
  boolean link(ServerProcess child) {
    Set<ServerProcess> set = created(CHILDREN);
    set.add(child);
    return exit == null || !set.remove(child);
  }

  void unlink(ServerProcess child) {
    remove(CHILDREN, child);
  }

  /**
   * The server exited with {@code reason}: first what dies with it (timers addressed here), then
   * the Downs that go into servers' mailboxes, then the handlers' Downs, then everyone else
   * (callers, stop and kill waiters). So whoever learns of the exit, by any of these, knows that
   * every server monitoring it already has its Down queued. Each is told once; {@code guard} runs
   * each step so that one failing does not keep the others from running.
   */
  void exit(ExitReason reason, Consumer<Runnable> guard) {
    exit = reason;
    Set<TimerEntry> timers = existing(TIMERS);
    for (TimerEntry timer : timers) {
      if (timers.remove(timer)) {
        guard.accept(timer::cancel);
      }
    }
    tell(reason, guard, listener -> listener instanceof ServerMonitor monitor && monitor.owner() != null);
    tell(reason, guard, listener -> listener instanceof ServerMonitor);
    tell(reason, guard, listener -> true);
  }

  private void tell(ExitReason reason, Consumer<Runnable> guard, Predicate<DownListener> which) {
    Set<DownListener> monitors = existing(MONITORS);
    for (DownListener listener : monitors) {
      if (which.test(listener) && monitors.remove(listener)) {
        guard.accept(() -> listener.down(ref, reason));
      }
    }
  }

  /** The supervisor is shutting down: children still in their init will never be waited for. */
  void killStarting(ExitReason reason) {
    for (ServerProcess child : this.<ServerProcess>existing(CHILDREN)) {
      if (child.isStarting()) {
        child.kill(reason);
      }
    }
  }

  /**
   * Children that outlived their supervisor receive its exit as linked processes do in OTP: not
   * for a normal exit, {@code killed} for a kill, the supervisor's reason otherwise.
   */
  void exitLinked(ExitReason reason) {
    boolean normal = reason instanceof ExitReason.Normal;
    Set<ServerProcess> linkedChildren = existing(CHILDREN);
    for (ServerProcess child : linkedChildren) {
      if (linkedChildren.remove(child) && !normal) {
        child.kill(reason instanceof ExitReason.Killed ? ExitReason.KILLED : reason);
      }
    }
  }
}
