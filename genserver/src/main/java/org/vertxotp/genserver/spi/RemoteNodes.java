package org.vertxotp.genserver.spi;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.impl.Node;

/**
 * How a node reaches servers that do not run on it: a reference to a server of another node, or a
 * name no server of this node holds. A node has none by default (such a call fails with
 * {@link org.vertxotp.genserver.CallFailure#NO_SERVER}, a cast or send is dropped); a cluster
 * installs one with {@link #install}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #call} keeps {@code GenServer.call}'s promises: it completes on the caller's
 *       context, fails with a {@link org.vertxotp.genserver.CallException} (and never with
 *       anything else), and does not outlive its timeout. A server whose node is lost fails the
 *       call with {@link org.vertxotp.genserver.CallFailure#SERVER_EXITED} and reason
 *       {@code noconnection}, without waiting for the timeout.</li>
 *   <li>{@link #cast} and {@link #send} never throw for a destination that is not there; they may
 *       throw for a message that cannot cross nodes, so that the mistake is seen where it was made.</li>
 *   <li>Methods may be called from any thread.</li>
 * </ul>
 */
public interface RemoteNodes {

  /**
   * Makes {@code remote} the way {@code vertx}'s toolkit reaches other nodes.
   *
   * @throws IllegalStateException if servers, timers or calls already run there
   */
  static void install(Vertx vertx, RemoteNodes remote) {
    Node.of(vertx).useRemoteNodes(remote);
  }

  /** The id of {@code vertx}'s node, as servers there carry it in their {@link org.vertxotp.genserver.ServerRef}. */
  static String nodeId(Vertx vertx) {
    return Node.of(vertx).nodeId();
  }

  /**
   * Hands a call that arrived from another node to {@code target}, a server of this node, as if it
   * were made here: it fails at once with {@link org.vertxotp.genserver.CallFailure#NO_SERVER} or
   * {@link org.vertxotp.genserver.CallFailure#OVERLOADED}, with
   * {@link org.vertxotp.genserver.CallFailure#SERVER_EXITED} if the server stops first, or is
   * answered with the reply. {@code sink} is told once, on the server's context (or at once, on
   * this thread, for a call that fails at once). After {@code timeout} (the caller's, which the
   * calling node keeps too) the call fails with {@link org.vertxotp.genserver.CallFailure#TIMEOUT}
   * and a late reply is dropped.
   */
  static void deliverCall(Vertx vertx, org.vertxotp.genserver.ServerRef target, Object request, Duration timeout,
                          CallSink sink) {
    org.vertxotp.genserver.impl.Node.of(vertx).deliverCall(target, request, timeout, sink);
  }

  /** {@code ref} in the form in which it crosses nodes (in a {@code TimerTimeout}, say). */
  static org.vertxotp.genserver.time.PortableTimerRef portable(org.vertxotp.genserver.time.TimerRef ref) {
    return org.vertxotp.genserver.impl.TimerService.portable(ref);
  }

  /** Where the answer to a call from another node goes. */
  interface CallSink {
    void reply(Object value);

    void fail(org.vertxotp.genserver.CallException failure);
  }

  /** A call to a server that is not on this node. */
  <T> Future<T> call(Destination destination, Object request, Duration timeout);

  /**
   * Stops a server that is not on this node, as {@code GenServer.stop} does: completes once it is
   * down; fails as that does, and with {@link org.vertxotp.genserver.CallFailure#SERVER_EXITED}
   * and reason {@code noconnection} if its node is lost first.
   */
  Future<Void> stop(Destination destination, ExitReason reason, Duration timeout);

  /**
   * Kills a server that is not on this node, as {@code GenServer.kill} does: completes once it is
   * down; fails with {@link org.vertxotp.genserver.CallFailure#NO_SERVER} if it is not there, and
   * with {@link org.vertxotp.genserver.CallFailure#SERVER_EXITED} and reason {@code noconnection}
   * if its node is lost first.
   */
  default Future<Void> kill(Destination destination) {
    return Future.failedFuture(new org.vertxotp.genserver.CallException(org.vertxotp.genserver.CallFailure.NO_SERVER,
        "these remote nodes cannot kill: " + destination));
  }

  /**
   * Watches a server that is not on this node, for a monitor: {@code watcher} is told once, when
   * the server stops (with its reason), at once if it is not there ({@code noproc}), or when its
   * node is lost ({@code noconnection}), unless the returned handle was run first.
   *
   * @return stops the watch; may be run more than once, from any thread
   */
  Runnable monitor(Destination destination, Watcher watcher);

  /** Who a {@link #monitor} tells. */
  @FunctionalInterface
  interface Watcher {
    /** {@code server} (the ref, when it is known, else the destination as given) is down for {@code reason}. */
    void down(Destination server, ExitReason reason);
  }

  /** A cast to a server that is not on this node. */
  void cast(Destination destination, Object message);

  /** An info message to a server that is not on this node. */
  void send(Destination destination, Object message);
}
