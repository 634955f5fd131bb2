package org.vertxotp.genserver.time;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.OptionalLong;
import org.vertxotp.genserver.impl.Node;
import org.vertxotp.genserver.impl.TimerService;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ServerRef;

/**
 * Erlang's timer BIFs ({@code erlang:send_after/3}, {@code start_timer/3}, {@code cancel_timer/1},
 * {@code read_timer/1}) and keyed timers owned by a server (as Pekko's {@code TimerScheduler}).
 * All timing goes through the Vert.x instance's {@link Clock}; tests install a
 * {@link ManualClock}.
 *
 * <h2>Who owns a timer</h2>
 * A timer armed within a server's callback belongs to that server: it is cancelled when the server
 * stops, for whatever reason. A timer armed elsewhere (a plain verticle, a test thread) belongs to
 * its destination server, or, when the destination is a name, to the toolkit. A timer whose
 * destination is a server ({@link ServerRef}) is also cancelled when that server stops.
 *
 * <h2>Delivery</h2>
 * Timers fire in deadline order, not arming order (ties in arming order), on their owner's
 * context. A destination name is resolved when the timer fires: its holder at that moment gets
 * the message, and if nobody holds it, nothing happens and nothing fails. A cancelled timer's
 * message never arrives.
 *
 * <h2>Cancel and read</h2>
 * {@link #cancelTimer} and {@link #readTimer} return the milliseconds left, or an empty
 * {@code OptionalLong} (Erlang's {@code false}) when the timer already fired, was cancelled, or
 * is not a timer of this toolkit. They may be called from any thread.
 */
public final class Timers {

  private Timers() {
  }

  /** Sends {@code message} to {@code destination}'s {@code handleInfo} after {@code delay}. */
  public static TimerRef sendAfter(Vertx vertx, Duration delay, Destination destination, Object message) {
    return Node.of(vertx).timers().arm(false, delay, destination, message);
  }

  /**
   * Like {@link #sendAfter}, but what arrives is {@link TimerTimeout}{@code (ref, message)}, so the
   * receiver can tell which timer fired.
   */
  public static TimerRef startTimer(Vertx vertx, Duration delay, Destination destination, Object message) {
    return Node.of(vertx).timers().arm(true, delay, destination, message);
  }

  /** Cancels the timer: its message will never arrive. Returns the milliseconds that were left, or empty. */
  public static OptionalLong cancelTimer(TimerRef ref) {
    long left = TimerService.remaining(ref, true);
    return left < 0 ? OptionalLong.empty() : OptionalLong.of(left);
  }

  /** The milliseconds left on the timer, or empty if it fired or was cancelled. */
  public static OptionalLong readTimer(TimerRef ref) {
    long left = TimerService.remaining(ref, false);
    return left < 0 ? OptionalLong.empty() : OptionalLong.of(left);
  }

  /**
   * Starts the calling server's timer {@code key}: {@code message} reaches its {@code handleInfo}
   * after {@code delay}. A timer already running under that key is replaced, and its message is
   * never received, even if it had fired and its message was already waiting in the mailbox.
   * Call it from the server's callbacks (or a continuation on its own context).
   *
   * @throws IllegalStateException outside a server
   */
  public static void startSingleTimer(Object key, Object message, Duration delay) {
    TimerService.startSingleTimer(key, message, delay);
  }

  /**
   * Cancels the calling server's timer {@code key}; its message is never received, even if
   * already waiting. Returns whether there was one.
   *
   * @throws IllegalStateException outside a server
   */
  public static boolean cancel(Object key) {
    return TimerService.cancelKeyedTimer(key);
  }

  /**
   * True while the calling server's timer {@code key} is running, or has fired and its message
   * is not handled yet.
   *
   * @throws IllegalStateException outside a server
   */
  public static boolean isActive(Object key) {
    return TimerService.isKeyedTimerActive(key);
  }
}
