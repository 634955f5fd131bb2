package org.vertxotp.genserver;

/** Why a server did not start. Carried by {@link StartException}. */
public enum StartFailure {
  /**
   * The requested name is held by another running server, or a supervisor already runs a child
   * with the requested id ({@link StartException#holder()} is that server).
   */
  ALREADY_STARTED,
  /** A static supervisor already has a child with the requested id, not running (OTP's {@code already_present}). */
  ALREADY_PRESENT,
  /**
   * {@code init} returned {@code stop(reason)}, threw, or returned an invalid result; or the
   * server was stopped before {@code init} returned (killed, or Vert.x closing).
   */
  INIT_STOPPED,
  /** {@code init} returned {@code ignore()}: not an error, but there is no server. */
  IGNORED
}
