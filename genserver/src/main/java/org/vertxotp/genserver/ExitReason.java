package org.vertxotp.genserver;

import java.util.Objects;

/**
 * Why a server stopped: the value {@code terminate} receives, that monitors report and that a
 * failed call carries.
 *
 * <p>Mirrors OTP's exit reasons. {@link Normal} and {@link Shutdown} (with or without a detail)
 * are the orderly ones ({@link #isAbnormal()} is false): a {@code transient} child is not
 * restarted for them and no crash is logged. Everything else is abnormal.
 */
public sealed interface ExitReason
    permits ExitReason.Normal, ExitReason.Shutdown, ExitReason.Crash, ExitReason.Custom,
            ExitReason.Killed, ExitReason.NoProc, ExitReason.NoConnection {

  /** The server chose to stop: OTP's {@code normal}. */
  record Normal() implements ExitReason {
    @Override public String toString() { return "normal"; }
  }

  /**
   * The server was told to stop by its owner (undeploy, supervisor, Vert.x closing): OTP's
   * {@code shutdown}, or with a {@code detail} OTP's {@code {shutdown, Detail}}. Orderly either
   * way: a supervisor that gave up stops with {@code shutdown} and says why in the detail.
   */
  record Shutdown(Object detail) implements ExitReason {
    @Override public String toString() { return detail == null ? "shutdown" : "{shutdown, " + detail + "}"; }
  }

  /** A callback threw, or returned something that is not a valid result. */
  record Crash(Throwable cause) implements ExitReason {
    public Crash { Objects.requireNonNull(cause, "cause"); }
    @Override public String toString() { return "crash: " + cause; }
  }

  /** A reason the server gave itself, e.g. {@code stop(ExitReason.of("bad_config"), s)}. */
  record Custom(Object term) implements ExitReason {
    public Custom { Objects.requireNonNull(term, "term"); }
    @Override public String toString() { return String.valueOf(term); }
  }

  /** Stopped without running {@code terminate}, e.g. after it outlived its shutdown timeout. */
  record Killed() implements ExitReason {
    @Override public String toString() { return "killed"; }
  }

  /** The server was not there: reported to monitors of a server that had already stopped. */
  record NoProc() implements ExitReason {
    @Override public String toString() { return "noproc"; }
  }

  /**
   * The server's node could not be reached any more (it left the cluster, or the connection to it
   * was lost): OTP's {@code noconnection}, reported to monitors and callers on other nodes.
   */
  record NoConnection() implements ExitReason {
    @Override public String toString() { return "noconnection"; }
  }

  ExitReason NORMAL = new Normal();
  ExitReason SHUTDOWN = new Shutdown(null);
  ExitReason KILLED = new Killed();
  ExitReason NOPROC = new NoProc();
  ExitReason NOCONNECTION = new NoConnection();

  static ExitReason normal() { return NORMAL; }

  static ExitReason shutdown() { return SHUTDOWN; }

  /** OTP's {@code {shutdown, Detail}}: orderly, with a reason for whoever reads it. */
  static ExitReason shutdown(Object detail) { return new Shutdown(Objects.requireNonNull(detail, "detail")); }

  static ExitReason crash(Throwable cause) { return new Crash(cause); }

  /** A custom reason; {@code of(null)} is rejected. */
  static ExitReason of(Object term) { return new Custom(term); }

  /** True unless this is {@link Normal} or {@link Shutdown}. */
  default boolean isAbnormal() {
    return !(this instanceof Normal || this instanceof Shutdown);
  }
}
