package org.vertxotp.genserver;

/**
 * Why a {@code call} failed. Carried by {@link CallException}; switch on it, never parse messages.
 *
 * <p>Each kind has a stable numeric {@link #code()}: plain Vert.x callers (see {@link WireFormat})
 * receive it as the {@code failureCode} of a {@link io.vertx.core.eventbus.ReplyException}.
 */
public enum CallFailure {
  /** No reply within the call's timeout. The server may still handle (or have handled) the request. */
  TIMEOUT(504),
  /** No server at that reference or name when the call was made. Fails at once. */
  NO_SERVER(404),
  /** The server stopped while the call was pending; {@link CallException#reason()} says why. */
  SERVER_EXITED(500),
  /** A server called itself from its own callback, which could only time out. Fails at once. */
  CALLING_SELF(508),
  /** The server could not read the request (not a valid envelope, or rejected by the callback). */
  BAD_MESSAGE(400),
  /** The server's mailbox was at its limit ({@code StartOptions.setMailboxLimit}). Fails at once; nothing was sent. */
  OVERLOADED(503),
  /**
   * The name could not be looked up: the cluster's table of names did not answer (the member that
   * keeps it is leaving, or cannot be reached). Unlike {@link #NO_SERVER}, a server may well hold
   * the name, so a later try may succeed. Nothing was sent.
   */
  LOOKUP_FAILED(502);

  private final int code;

  CallFailure(int code) {
    this.code = code;
  }

  /** The stable failure code used on the wire. */
  public int code() {
    return code;
  }

  /** The kind with that code, or {@code null} if no kind has it. */
  public static CallFailure fromCode(int code) {
    for (CallFailure f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return null;
  }
}
