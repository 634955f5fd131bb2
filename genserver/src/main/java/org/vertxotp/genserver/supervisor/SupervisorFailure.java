package org.vertxotp.genserver.supervisor;

import java.time.Duration;
import org.vertxotp.genserver.ExitReason;

/**
 * Why a supervisor stopped or did not start, carried as the term of an {@link ExitReason.Custom}:
 * switch on the record type.
 */
public sealed interface SupervisorFailure {

  /** Child {@code childId} needed more restarts than the intensity allows; {@code lastReason} is its last exit. */
  record RestartIntensityExceeded(String childId, ExitReason lastReason, int intensity, Duration period)
      implements SupervisorFailure {
    @Override
    public String toString() {
      return "reached max restart intensity (" + intensity + " in " + period + ") restarting child "
          + childId + " after " + lastReason;
    }
  }

  /** Child {@code childId} failed to start with {@code cause}. */
  record ChildStartFailed(String childId, Throwable cause) implements SupervisorFailure {
    @Override
    public String toString() {
      return "child " + childId + " failed to start: " + cause;
    }
  }
}
