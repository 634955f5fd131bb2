package org.vertxotp.genserver;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.vertxotp.genserver.impl.Node;
import org.vertxotp.genserver.impl.Router;

/**
 * Erlang/OTP's {@code gen_server} on Vert.x: a server owns its state, handles one message at a
 * time on its own context, and is reached only by messages. Implement the callbacks; the loop is
 * the toolkit's and is never subclassed. The static methods are the client API ({@code start},
 * {@code call}, {@code cast}, {@code send}, {@code stop}, {@code whereis}).
 *
 * <pre>{@code
 * final class Counter implements GenServer<Integer, Integer> {
 *   public InitResult<Integer> init(Integer start) { return ok(start); }
 *   public CallResult<Integer> handleCall(Object request, From from, Integer n) {
 *     return "next".equals(request) ? reply(n, n + 1) : reject("unknown request", n);
 *   }
 * }
 * ServerRef ref = GenServer.start(vertx, new Counter(), 0).await();   // off the event loop; in a verticle, compose
 * Future<Integer> n = GenServer.call(vertx, ref, "next");
 * }</pre>
 *
 * <h2>What the loop promises</h2>
 * <ul>
 *   <li>Callbacks run one at a time on the server's context, in arrival order per sender. No
 *       locks are needed for the state.</li>
 *   <li>A callback may return {@link Results#async}: until that future completes the server
 *       handles no other message (OTP's one-callback-at-a-time rule); messages arriving
 *       meanwhile are handled afterwards, in arrival order. A call to itself, from a callback or
 *       from such a future's continuation, fails at once with {@link CallFailure#CALLING_SELF}
 *       (for a server placed on a context it shares with others, only from a callback: there a
 *       continuation cannot tell which server it belongs to, and the call would time out).</li>
 *   <li>A callback that throws stops the server with {@link ExitReason.Crash} carrying the
 *       exception: {@code terminate} runs, every pending caller fails at once with
 *       {@link CallFailure#SERVER_EXITED}, its timers are cancelled and its name is freed.</li>
 *   <li>Messages are passed by reference, never copied or serialized, between servers of one
 *       Vert.x instance: send immutable values (records, immutable collections).</li>
 * </ul>
 *
 * @param <A> the type of {@link #init}'s argument
 * @param <S> the server's state
 */
public interface GenServer<A, S> {

  /** OTP's default call timeout: 5000 ms. */
  Duration DEFAULT_CALL_TIMEOUT = Duration.ofMillis(5000);

  /** No timeout (OTP's {@code infinity}). */
  Duration INFINITY = ChronoUnit.FOREVER.getDuration();

  // ---- callbacks

  /**
   * Runs before the server is reachable by reference (messages sent to its name meanwhile wait).
   * Return {@link Results#ok}, {@link Results#stop(ExitReason)}, {@link Results#ignore()} or
   * {@link Results#asyncInit}. Throwing is {@code stop} with the crash as reason.
   */
  InitResult<S> init(A args) throws Exception;

  /**
   * Handles a {@code call}. Reply now ({@link Results#reply}), later through {@code from}
   * ({@link Results#noreply}), or stop. The default rejects every request with
   * {@link CallFailure#BAD_MESSAGE} and keeps the state.
   */
  default CallResult<S> handleCall(Object request, From from, S state) throws Exception {
    return Results.reject("unexpected call " + request.getClass().getName(), state);
  }

  /** Handles a {@code cast}. The default ignores the message. */
  default NoReplyResult<S> handleCast(Object message, S state) throws Exception {
    return Results.noreply(state);
  }

  /**
   * Handles everything else: messages from {@code send}, {@link Timeout} after a result timeout,
   * and (with timers and monitors) their messages. The default ignores the message.
   */
  default NoReplyResult<S> handleInfo(Object message, S state) throws Exception {
    return Results.noreply(state);
  }

  /**
   * Runs after a result carrying {@link Action.Continue}, before any other message. The default
   * throws: a server that asks to continue must implement it.
   */
  default NoReplyResult<S> handleContinue(Object continuation, S state) throws Exception {
    throw new UnsupportedOperationException(getClass().getName() + " returned continue but has no handleContinue");
  }

  /**
   * Runs once when the server stops for any reason other than a failed init or a kill: a stop result,
   * {@link #stop}, undeploy ({@link ExitReason#shutdown()}), or a crash. A throw here changes the
   * exit reason to that crash. The default does nothing.
   */
  default void terminate(ExitReason reason, S state) throws Exception {
  }

  /**
   * What {@link org.vertxotp.genserver.sys.Sys#getStatus} shows of the state (OTP's
   * {@code format_status}): override it to hide secrets or to summarise a large state. The default
   * shows the state itself.
   */
  default Object formatStatus(S state) {
    return state;
  }

  // ---- client API

  /**
   * Starts a server. The future completes, on the caller's context, once the server's consumer
   * is registered and {@code init} returned ok. It fails with {@link StartException}: name held
   * ({@link StartFailure#ALREADY_STARTED}, naming the holder), init stopped or crashed, or init
   * ignored. When it fails, the name is already free again.
   */
  static <A, S> Future<ServerRef> start(Vertx vertx, GenServer<A, S> server, A args, StartOptions options) {
    return Node.of(vertx).starter().start(server, args, options);
  }

  /** Starts an unnamed server deployed as its own verticle. */
  static <A, S> Future<ServerRef> start(Vertx vertx, GenServer<A, S> server, A args) {
    return start(vertx, server, args, new StartOptions());
  }

  /**
   * Sends {@code request} to {@code handleCall} and waits {@link #DEFAULT_CALL_TIMEOUT} for the
   * reply. See {@link #call(Vertx, Destination, Object, Duration)}.
   */
  static <T> Future<T> call(Vertx vertx, Destination server, Object request) {
    return call(vertx, server, request, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Sends {@code request} to {@code handleCall} and completes with the reply. The future
   * completes on the caller's context (when called from one). It fails with
   * {@link CallException}: {@link CallFailure#NO_SERVER}, {@link CallFailure#CALLING_SELF} and
   * {@link CallFailure#OVERLOADED} at once, {@link CallFailure#SERVER_EXITED} as soon as the
   * server stops before replying, {@link CallFailure#BAD_MESSAGE} when the server rejects the
   * request, and {@link CallFailure#TIMEOUT} after {@code timeout} ({@link #INFINITY} waits for
   * ever). After a timeout the server still handles the request; its late reply is dropped.
   */
  static <T> Future<T> call(Vertx vertx, Destination server, Object request, Duration timeout) {
    return Node.of(vertx).router().call(server, request, timeout);
  }

  /** Sends {@code message} to {@code handleCast}. Never fails, even when nobody is there. */
  static void cast(Vertx vertx, Destination server, Object message) {
    Node.of(vertx).router().cast(server, message);
  }

  /** Sends {@code message} to {@code handleInfo} (Erlang's {@code !}). Never fails. */
  static void send(Vertx vertx, Destination server, Object message) {
    Node.of(vertx).router().send(server, message);
  }

  /**
   * Pipes the outcome of {@code work} to the calling server (Pekko's {@code pipeToSelf}): the
   * callback returns at once, and when {@code work} completes, {@link Piped.Succeeded} or
   * {@link Piped.Failed} carrying {@code tag} arrives in its {@code handleInfo}, in mailbox order.
   * Unlike {@link Results#async}, the mailbox is not held meanwhile: many pieces of work can be
   * in flight while the server goes on answering. If the server stopped first, the outcome is
   * dropped (and counted in {@link NodeStats#dropped()}).
   *
   * @throws IllegalStateException outside a server's callback (or a continuation on its own context)
   */
  static void pipeToSelf(Future<?> work, Object tag) {
    Router.pipeToSelf(work, tag);
  }

  /** Stops a server with {@link ExitReason#normal()}, waiting as long as it takes. */
  static Future<Void> stop(Vertx vertx, Destination server) {
    return stop(vertx, server, ExitReason.normal(), INFINITY);
  }

  /**
   * Stops a server (OTP's {@code gen_server:stop/3}): the request is handled in mailbox order,
   * {@code terminate(reason)} runs, and the future completes once the server is down. Fails with
   * {@link CallFailure#NO_SERVER} if there is none, {@link CallFailure#TIMEOUT} if it is not
   * down within {@code timeout}, and, as OTP, with {@link CallFailure#SERVER_EXITED} carrying the
   * real reason if the server ended with another reason (it crashed first, or its terminate threw).
   */
  static Future<Void> stop(Vertx vertx, Destination server, ExitReason reason, Duration timeout) {
    return Node.of(vertx).router().stop(server, reason, timeout);
  }

  /**
   * The server this code runs for (Erlang's {@code self()}): the one whose callback is running,
   * or, in a future's continuation on a server's own verticle context, that server.
   *
   * @throws IllegalStateException anywhere else
   */
  static ServerRef self() {
    return Router.self();
  }

  /**
   * Kills a server (Erlang's {@code exit(Pid, kill)}): it stops at once, even in the middle of an
   * async callback or of its init, without running {@code terminate}; its callers and monitors see
   * {@link ExitReason#KILLED}. Completes once it is down; fails with {@link CallFailure#NO_SERVER}
   * if there is none.
   */
  static Future<Void> kill(Vertx vertx, Destination server) {
    return Node.of(vertx).router().kill(server);
  }

  /**
   * The server holding {@code name} now, if any (Erlang's {@code whereis}): a server of this
   * Vert.x instance at once, otherwise whoever the name registry (cluster-wide, when clustered)
   * says.
   */
  static Future<Optional<ServerRef>> whereis(Vertx vertx, ServerName name) {
    return Node.of(vertx).router().whereis(name);
  }

  /** The server of this Vert.x instance holding {@code name} now, if any; synchronous. */
  static Optional<ServerRef> whereisLocal(Vertx vertx, ServerName name) {
    return Node.of(vertx).router().whereisLocal(name);
  }

  /** Counts of running servers, names, calls in flight and more in this Vert.x instance. */
  static NodeStats stats(Vertx vertx) {
    return Node.of(vertx).stats();
  }

  /** True for {@link #INFINITY}, and for any duration too long to count in milliseconds. */
  static boolean isInfinite(Duration timeout) {
    return Router.isInfinite(timeout);
  }
}
