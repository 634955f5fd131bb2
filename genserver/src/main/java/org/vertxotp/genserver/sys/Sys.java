package org.vertxotp.genserver.sys;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.impl.Node;
import org.vertxotp.genserver.impl.SysRequest;

/**
 * OTP's {@code sys} for gen_servers: look at a running server, change its state, pause it.
 *
 * <p>Each request is a system message: the server answers it in mailbox order, between two of
 * its callbacks (never during one, nor while an async callback holds its mailbox), even while it
 * is suspended or its mailbox is full. So {@link #getState} returns after everything sent to the
 * server before it was handled: it is also a barrier for tests. Requests fail as calls do
 * ({@link CallFailure#NO_SERVER}, {@link CallFailure#SERVER_EXITED}, {@link CallFailure#TIMEOUT}
 * after {@link #DEFAULT_TIMEOUT}, {@link CallFailure#BAD_MESSAGE} when a replace function throws,
 * which leaves the state as it was); futures complete on the caller's context.
 */
public final class Sys {

  /** OTP's default for {@code sys} requests: 5000 ms. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(5000);

  private Sys() {
  }

  /** The server's state (OTP's {@code sys:get_state}). */
  public static <S> Future<S> getState(Vertx vertx, Destination server) {
    return request(vertx, server, new SysRequest.GetState());
  }

  /** Replaces the server's state by what {@code replace} makes of it, and returns that (OTP's {@code sys:replace_state}). */
  @SuppressWarnings("unchecked")
  public static <S> Future<S> replaceState(Vertx vertx, Destination server, UnaryOperator<S> replace) {
    return request(vertx, server, new SysRequest.ReplaceState(state -> replace.apply((S) state)));
  }

  /** The server's status (OTP's {@code sys:get_status}); its state as its {@code formatStatus} shows it. */
  public static Future<ServerStatus> getStatus(Vertx vertx, Destination server) {
    return request(vertx, server, new SysRequest.GetStatus());
  }

  /**
   * Suspends the server (OTP's {@code sys:suspend}): until {@link #resume}, it handles only system
   * requests and stop requests; other messages wait, in order. Its result timeout does not fire
   * while it is suspended; one that came due meanwhile fires on resume, unless a message that
   * waited is handled first.
   */
  public static Future<Void> suspend(Vertx vertx, Destination server) {
    return request(vertx, server, new SysRequest.Suspend());
  }

  /** Resumes a suspended server: what waited is handled first, in order. */
  public static Future<Void> resume(Vertx vertx, Destination server) {
    return request(vertx, server, new SysRequest.Resume());
  }

  /** What the server did since it started (OTP's {@code sys:statistics(Name, get)}). */
  public static Future<ServerStatistics> statistics(Vertx vertx, Destination server) {
    return request(vertx, server, new SysRequest.Statistics(null));
  }

  /**
   * Switches the timing of the server's callbacks on or off (OTP's {@code sys:statistics(Name,
   * true | false)}; off by default, since it reads the clock twice per message), and returns its
   * statistics so far.
   */
  public static Future<ServerStatistics> statistics(Vertx vertx, Destination server, boolean timeCallbacks) {
    return request(vertx, server, new SysRequest.Statistics(timeCallbacks));
  }

  private static <T> Future<T> request(Vertx vertx, Destination server, SysRequest request) {
    return Node.of(vertx).router().system(server, request, DEFAULT_TIMEOUT);
  }
}
