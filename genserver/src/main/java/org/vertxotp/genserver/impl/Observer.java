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
}
