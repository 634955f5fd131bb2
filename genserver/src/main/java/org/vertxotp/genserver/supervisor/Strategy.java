package org.vertxotp.genserver.supervisor;

/** What a supervisor restarts when one child must be restarted (OTP's strategies). */
public enum Strategy {
  /** That child only. */
  ONE_FOR_ONE,
  /** Every child: the others are stopped in reverse start order, then all start again in order. */
  ONE_FOR_ALL,
  /** That child and the children started after it: those are stopped in reverse order, then restarted in order. */
  REST_FOR_ONE
}
