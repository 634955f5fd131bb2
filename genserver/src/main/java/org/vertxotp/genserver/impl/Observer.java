package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.ExitReason;

/**
 * What the toolkit tells a metrics binding: servers starting and exiting, restarts, call round
 * trips. The default observes nothing and costs nothing; with none installed no callback is timed
 * and no call is clocked.
 */
interface Observer {

  Observer NONE = new Observer() {
  };

  /** True if servers should time their callbacks (and calls their round trips) for this observer. */
  default boolean timesCallbacks() {
    return false;
  }

  /** A server's init returned ok. On its context. */
  default void started(ServerProcess process) {
  }

  /** A server exited (or failed to start) with {@code reason}. On its context. */
  default void exited(ServerProcess process, ExitReason reason) {
  }

  /** A supervisor restarted its child {@code childId}. On the supervisor's context. */
  default void restarted(ServerProcess supervisor, String childId) {
  }

  /** A call to {@code target} completed (answered, failed or timed out) after {@code nanos}. Any thread. */
  default void callCompleted(ServerProcess target, long nanos) {
  }

  /**
   * {@code binding}, made harmless: whatever it throws is logged, never thrown into the toolkit's
   * paths (a start, a call's answer, an exit, a restart) that it would otherwise derail.
   */
  static Observer guarded(Observer binding) {
    System.Logger log = System.getLogger(Observer.class.getName());
    return new Observer() {
      private void guard(Runnable step) {
        try {
          step.run();
        } catch (VirtualMachineError fatal) {
          throw fatal;
        } catch (Throwable t) {
          log.log(System.Logger.Level.WARNING, "the metrics binding failed", t);
        }
      }

      @Override
      public boolean timesCallbacks() {
        return binding.timesCallbacks();
      }

      @Override
      public void started(ServerProcess process) {
        guard(() -> binding.started(process));
      }

      @Override
      public void exited(ServerProcess process, ExitReason reason) {
        guard(() -> binding.exited(process, reason));
      }

      @Override
      public void restarted(ServerProcess supervisor, String childId) {
        guard(() -> binding.restarted(supervisor, childId));
      }

      @Override
      public void callCompleted(ServerProcess target, long nanos) {
        guard(() -> binding.callCompleted(target, nanos));
      }
    };
  }
}
