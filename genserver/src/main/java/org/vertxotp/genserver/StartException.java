package org.vertxotp.genserver;

import java.util.Objects;
import java.util.Optional;

/**
 * Why {@code GenServer.start} failed. By the time a start future fails with this, nothing of the
 * server is left: its name is free again and its addresses are unregistered.
 */
public final class StartException extends RuntimeException {

  private final StartFailure failure;
  private final ExitReason reason;
  private final ServerRef holder;

  private StartException(StartFailure failure, ExitReason reason, ServerRef holder, String message) {
    super(message, reason instanceof ExitReason.Crash crash ? crash.cause() : null, false, false);
    this.failure = Objects.requireNonNull(failure);
    this.reason = reason;
    this.holder = holder;
  }

  public static StartException alreadyStarted(ServerName name, ServerRef holder) {
    return new StartException(StartFailure.ALREADY_STARTED, null, holder,
        "already started: " + name + " is held by " + holder);
  }

  /** A supervisor runs a child with this id already, as {@code holder} (OTP's {@code {already_started, Pid}}). */
  public static StartException childAlreadyStarted(String id, ServerRef holder) {
    return new StartException(StartFailure.ALREADY_STARTED, null, holder, "already started: child " + id + " is " + holder);
  }

  /** A supervisor has a child with this id that is not running (OTP's {@code already_present}). */
  public static StartException childAlreadyPresent(String id) {
    return new StartException(StartFailure.ALREADY_PRESENT, null, null,
        "already present: child " + id + " is not running; restart or delete it");
  }

  public static StartException initStopped(ExitReason reason) {
    return new StartException(StartFailure.INIT_STOPPED, reason, null, "init stopped: " + reason);
  }

  /** The server was stopped before init returned (killed, or Vert.x closing), with {@code reason}. */
  public static StartException stoppedWhileStarting(ExitReason reason, String why) {
    return new StartException(StartFailure.INIT_STOPPED, reason, null, why + ": " + reason);
  }

  public static StartException ignored() {
    return new StartException(StartFailure.IGNORED, null, null, "init returned ignore");
  }

  public StartFailure failure() {
    return failure;
  }

  /** The reason init gave (or the crash), present for {@link StartFailure#INIT_STOPPED}. */
  public Optional<ExitReason> reason() {
    return Optional.ofNullable(reason);
  }

  /** The server holding the name (or running as the child), present for {@link StartFailure#ALREADY_STARTED}. */
  public Optional<ServerRef> holder() {
    return Optional.ofNullable(holder);
  }
}
