package org.vertxotp.genserver.supervisor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import org.vertxotp.genserver.impl.SupervisorServer;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;

/**
 * OTP's supervisor: a gen_server that starts children, restarts them when they stop, and stops
 * them when it stops.
 *
 * <ul>
 *   <li>Children start in order; a child that fails to start makes the supervisor's start fail
 *       with {@link StartFailure#INIT_STOPPED} and a {@link SupervisorFailure.ChildStartFailed}
 *       reason, after the children already started were stopped.</li>
 *   <li>A child that stops is restarted per its {@link Restart} type and the {@link Strategy}. A
 *       restarted named child takes its name back, so callers by name reach the new incarnation;
 *       the old one's timers and monitors are gone with it.</li>
 *   <li>More restarts than the intensity allows within the period (a restart exactly one period
 *       ago still counts, as in OTP) stop the supervisor with reason {@code shutdown} whose
 *       detail is a {@link SupervisorFailure.RestartIntensityExceeded} naming the child, and an
 *       error report; a parent supervisor restarts the subtree if it is permanent.</li>
 *   <li>A supervisor stops its children in reverse start order, each with
 *       {@link ExitReason#shutdown()} and its shutdown time, after which it is killed.</li>
 * </ul>
 *
 * <p>The client calls wait as long as the supervisor needs (OTP's {@code infinity}). Requests
 * the supervisor cannot act on (unknown id, a running child to delete, a dynamic-only call to a
 * static supervisor) fail with {@link CallFailure#BAD_MESSAGE} naming why.
 */
public final class Supervisor {

  private Supervisor() {
  }

  public static Future<ServerRef> start(Vertx vertx, SupervisorSpec spec) {
    return start(vertx, spec, new StartOptions());
  }

  /**
   * Starts a supervisor with {@code options}. Unless the options set one, its shutdown timeout is
   * {@link GenServer#INFINITY}: it bounds its own stop by its children's shutdown times.
   */
  public static Future<ServerRef> start(Vertx vertx, SupervisorSpec spec, StartOptions options) {
    if (options.getShutdownTimeout().isEmpty()) {
      options.setShutdownTimeout(GenServer.INFINITY);
    }
    return GenServer.start(vertx, new SupervisorServer(vertx), spec, options);
  }

  /**
   * Adds a child to a static supervisor and starts it; fails with the child's start failure, or,
   * when the supervisor has a child with that id already, with a {@link StartException} of
   * {@link StartFailure#ALREADY_STARTED} (running, its ref as the holder) or
   * {@link StartFailure#ALREADY_PRESENT} (not running), as OTP's {@code start_child}. Requests are
   * handled one at a time, so of racing starts with one id exactly one starts a child.
   */
  public static Future<ServerRef> startChild(Vertx vertx, Destination supervisor, ChildSpec child) {
    return request(vertx, supervisor, new SupervisorServer.StartChild(child));
  }

  /** Starts a child of a dynamic supervisor from its template, with {@code args}. */
  public static Future<ServerRef> startDynamicChild(Vertx vertx, Destination supervisor, Object args) {
    return request(vertx, supervisor, new SupervisorServer.StartDynamicChild(args));
  }

  /** Stops the child {@code id} (it is not restarted; a static spec stays, to restart or delete). */
  public static Future<Void> terminateChild(Vertx vertx, Destination supervisor, String id) {
    return request(vertx, supervisor, new SupervisorServer.TerminateChild(id, null)).mapEmpty();
  }

  /** Stops the child running as {@code child} (a dynamic child is then forgotten). */
  public static Future<Void> terminateChild(Vertx vertx, Destination supervisor, ServerRef child) {
    return request(vertx, supervisor, new SupervisorServer.TerminateChild(null, child)).mapEmpty();
  }

  /** Removes the spec of a static supervisor's child that is not running. */
  public static Future<Void> deleteChild(Vertx vertx, Destination supervisor, String id) {
    return request(vertx, supervisor, new SupervisorServer.DeleteChild(id)).mapEmpty();
  }

  /** The children in start order. */
  public static Future<List<ChildInfo>> whichChildren(Vertx vertx, Destination supervisor) {
    return request(vertx, supervisor, new SupervisorServer.WhichChildren());
  }

  public static Future<ChildCounts> countChildren(Vertx vertx, Destination supervisor) {
    return request(vertx, supervisor, new SupervisorServer.CountChildren());
  }

  private static <T> Future<T> request(Vertx vertx, Destination supervisor, Object request) {
    return GenServer.call(vertx, supervisor, request, GenServer.INFINITY);
  }


}
