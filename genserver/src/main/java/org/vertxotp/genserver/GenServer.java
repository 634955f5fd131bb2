package org.vertxotp.genserver;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.vertxotp.genserver.impl.Node;

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
  default CastResult<S> handleCast(Object message, S state) throws Exception {
    return Results.noreply(state);
  }

  /**
   * Handles everything else: messages from {@code send}, {@link Timeout} after a result timeout,
   * and (with timers and monitors) their messages. The default ignores the message.
   */
  default CastResult<S> handleInfo(Object message, S state) throws Exception {
    return Results.noreply(state);
  }

  /**
   * Runs after a result carrying {@link Action.Continue}, before any other message. The default
   * throws: a server that asks to continue must implement it.
   */
  default CastResult<S> handleContinue(Object continuation, S state) throws Exception {
    throw new UnsupportedOperationException(getClass().getName() + " returned continue but has no handleContinue");
  }

  /**
   * Runs once when the server stops for any reason other than a failed init: a stop result,
   * {@link #stop}, undeploy ({@link ExitReason#shutdown()}), or a crash. A throw here changes the
   * exit reason to that crash. The default does nothing.
   */
  default void terminate(ExitReason reason, S state) throws Exception {
  }

  // ---- client API

  /**
   * Starts a server. The future completes, on the caller's context, once the server's consumer
   * is registered and {@code init} returned ok. It fails with {@link StartException}: name held
   * ({@link StartFailure#ALREADY_STARTED}, naming the holder), init stopped or crashed, or init
   * ignored. When it fails, the name is already free again.
   */
  static <A, S> Future<ServerRef> start(Vertx vertx, GenServer<A, S> server, A args, StartOptions options) {
    return Node.of(vertx).start(server, args, options);
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
   * {@link CallException}: {@link CallFailure#NO_SERVER} and {@link CallFailure#CALLING_SELF}
   * at once, {@link CallFailure#SERVER_EXITED} as soon as the server stops before replying,
   * {@link CallFailure#BAD_MESSAGE} when the server rejects the request, and
   * {@link CallFailure#TIMEOUT} after {@code timeout} ({@link #INFINITY} waits for ever).
   * After a timeout the server still handles the request; its late reply is dropped.
   */
  static <T> Future<T> call(Vertx vertx, Destination server, Object request, Duration timeout) {
    return Node.of(vertx).call(server, request, timeout);
  }

  /** Sends {@code message} to {@code handleCast}. Never fails, even when nobody is there. */
  static void cast(Vertx vertx, Destination server, Object message) {
    Node.of(vertx).cast(server, message);
  }

  /** Sends {@code message} to {@code handleInfo} (Erlang's {@code !}). Never fails. */
  static void send(Vertx vertx, Destination server, Object message) {
    Node.of(vertx).send(server, message);
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
    return Node.of(vertx).stop(server, reason, timeout);
  }

  /**
   * The server this code runs for (Erlang's {@code self()}): the one whose callback is running,
   * or, in a future's continuation on a server's own verticle context, that server.
   *
   * @throws IllegalStateException anywhere else
   */
  static ServerRef self() {
    return Node.self();
  }

  /**
   * Kills a server (Erlang's {@code exit(Pid, kill)}): it stops at once, even in the middle of an
   * async callback, without running {@code terminate}; its callers and monitors see
   * {@link ExitReason#KILLED}. Completes once it is down; fails with {@link CallFailure#NO_SERVER}
   * if there is none.
   */
  static Future<Void> kill(Vertx vertx, Destination server) {
    return Node.of(vertx).kill(server);
  }

  /** The server holding {@code name} now, if any. */
  static Optional<ServerRef> whereis(Vertx vertx, String name) {
    return Node.of(vertx).whereis(ServerName.of(name));
  }

  /** Counts of running servers, names and calls in flight in this Vert.x instance. */
  static NodeStats stats(Vertx vertx) {
    return Node.of(vertx).stats();
  }

  /** True for {@link #INFINITY}, and for any duration too long to count in milliseconds. */
  static boolean isInfinite(Duration timeout) {
    return timeout.compareTo(INFINITY) >= 0 || timeout.getSeconds() >= Long.MAX_VALUE / 1000;
  }
}
