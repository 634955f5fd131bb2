package org.vertxotp.genserver.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.TestLogs;

/** A metrics binding that throws never throws into the toolkit: a start, a call's answer, an exit, a restart. */
class ObserverGuardTest {

  @Test
  void whateverABindingThrowsTheToolkitGoesOn() {
    TestLogs.reset();
    TestLogs.allow("the metrics binding failed"); // the guard warns of each failure, as it should
    Observer throwing = new Observer() {
      @Override
      public boolean timesCallbacks() {
        return true;
      }

      @Override
      public void started(ServerProcess process) {
        throw new IllegalStateException("meter registry closed");
      }

      @Override
      public void exited(ServerProcess process, ExitReason reason) {
        throw new IllegalStateException("meter registry closed");
      }

      @Override
      public void restarted(ServerProcess supervisor, String childId) {
        throw new IllegalStateException("meter registry closed");
      }

      @Override
      public void callCompleted(ServerProcess target, long nanos) {
        throw new IllegalStateException("meter registry closed");
      }
    };
    Observer guarded = Observer.guarded(throwing);
    assertTrue(guarded.timesCallbacks());
    assertDoesNotThrow(() -> guarded.started(null));
    assertDoesNotThrow(() -> guarded.exited(null, ExitReason.normal()));
    assertDoesNotThrow(() -> guarded.restarted(null, "child"));
    assertDoesNotThrow(() -> guarded.callCompleted(null, 1));
  }
}
