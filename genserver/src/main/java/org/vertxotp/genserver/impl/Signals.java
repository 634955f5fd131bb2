package org.vertxotp.genserver.impl;

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
 */
final class Signals {

  private final ServerRef ref;
  private final Set<DownListener> monitors = ConcurrentHashMap.newKeySet();
  private final Set<TimerEntry> timersAddressedHere = ConcurrentHashMap.newKeySet();
  private final Set<ServerProcess> linkedChildren = ConcurrentHashMap.newKeySet();
  private volatile ExitReason exit;

  Signals(ServerRef ref) {
    this.ref = ref;
  }

  boolean exited() {
    return exit != null;
  }

  /** Adds a monitor; false (and nothing added) if the server already exited. */
  boolean monitor(DownListener listener) {
    monitors.add(listener);
    return exit == null || !monitors.remove(listener);
  }

  void demonitor(DownListener listener) {
    monitors.remove(listener);
  }

  int monitorCount() {
    return monitors.size();
  }

  /** Ties another owner's timer to this server's life; false (nothing added) if it already exited. */
  boolean watch(TimerEntry timer) {
    timersAddressedHere.add(timer);
    return exit == null || !timersAddressedHere.remove(timer);
  }

  void unwatch(TimerEntry timer) {
    timersAddressedHere.remove(timer);
  }

  /** Links a child started by this server as its supervisor; false if this server already exited. */
  boolean link(ServerProcess child) {
    linkedChildren.add(child);
    return exit == null || !linkedChildren.remove(child);
  }

  void unlink(ServerProcess child) {
    linkedChildren.remove(child);
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
    for (TimerEntry timer : timersAddressedHere) {
      if (timersAddressedHere.remove(timer)) {
        guard.accept(timer::cancel);
      }
    }
    tell(reason, guard, listener -> listener instanceof ServerMonitor monitor && monitor.owner() != null);
    tell(reason, guard, listener -> listener instanceof ServerMonitor);
    tell(reason, guard, listener -> true);
  }

  private void tell(ExitReason reason, Consumer<Runnable> guard, Predicate<DownListener> which) {
    for (DownListener listener : monitors) {
      if (which.test(listener) && monitors.remove(listener)) {
        guard.accept(() -> listener.down(ref, reason));
      }
    }
  }

  /** The supervisor is shutting down: children still in their init will never be waited for. */
  void killStarting(ExitReason reason) {
    for (ServerProcess child : linkedChildren) {
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
    for (ServerProcess child : linkedChildren) {
      if (linkedChildren.remove(child) && !normal) {
        child.kill(reason instanceof ExitReason.Killed ? ExitReason.KILLED : reason);
      }
    }
  }
}
