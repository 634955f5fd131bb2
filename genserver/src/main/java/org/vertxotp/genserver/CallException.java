package org.vertxotp.genserver;

import java.util.Objects;
import java.util.Optional;

/**
 * The one exception a failed {@code call} (or {@code stop}) carries. {@link #failure()} says which
 * of the closed set of {@link CallFailure}s happened; {@link #reason()} carries the server's exit
 * reason for {@link CallFailure#SERVER_EXITED}.
 */
public final class CallException extends RuntimeException {

  private final CallFailure failure;
  private final ExitReason reason;

  public CallException(CallFailure failure, String message) {
    this(failure, null, message);
  }

  public CallException(CallFailure failure, ExitReason reason, String message) {
    super(message, reason instanceof ExitReason.Crash crash ? crash.cause() : null, false, false);
    this.failure = Objects.requireNonNull(failure, "failure");
    this.reason = reason;
  }

  /** A call that failed because its server stopped with {@code reason}. */
  public static CallException exited(ServerRef server, ExitReason reason) {
    return new CallException(CallFailure.SERVER_EXITED, reason, server + " exited: " + reason);
  }

  public CallFailure failure() {
    return failure;
  }

  /** The server's exit reason, present for {@link CallFailure#SERVER_EXITED}. */
  public Optional<ExitReason> reason() {
    return Optional.ofNullable(reason);
  }
}
