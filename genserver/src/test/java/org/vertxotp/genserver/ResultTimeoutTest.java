package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.sys.Sys;
import org.vertxotp.genserver.time.ManualClock;

@ExtendWith(TestVertx.class)
class ResultTimeoutTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  /**
   * Casts: {@code "arm:MS"} returns noreply with that timeout; {@code "arm-behind-queued"} casts
   * itself a message, then returns a zero timeout; {@code "go"} casts itself then continues;
   * {@code "hold"} continues after an async pause. Everything handled is recorded.
   */
  final class Timed implements GenServer<Void, Void> {
    private final Vertx vertx;

    Timed(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<Void> init(Void args) {
      return ok(null, Action.continueWith("after init"));
    }

    /** Any call: a round trip that everything already queued for the server precedes. */
    @Override
    public CallResult<Void> handleCall(Object request, From from, Void self) {
      return reply("synced", self);
    }

    @Override
    public NoReplyResult<Void> handleCast(Object message, Void self) {
      ServerRef me = GenServer.self();
      String word = (String) message;
      events.add(word);
      if (word.startsWith("arm:")) {
        return noreply(self, Duration.ofMillis(Long.parseLong(word.substring(4))));
      } else if (word.equals("arm-behind-queued")) {
        GenServer.cast(vertx, me, "queued");
        return noreply(self, Duration.ZERO);
      } else if (word.equals("go")) {
        GenServer.cast(vertx, me, "queued");
        return continueWith("continued", self);
      } else if (word.equals("hold")) {
        return async(vertx.timer(100).map(t -> continueWith("continued after hold", self)));
      }
      return noreply(self);
    }

    @Override
    public NoReplyResult<Void> handleInfo(Object message, Void self) {
      events.add(message);
      return noreply(self);
    }

    @Override
    public NoReplyResult<Void> handleContinue(Object continuation, Void self) {
      events.add(continuation);
      return noreply(self);
    }
  }

  private ServerRef start(Vertx vertx) {
    return start(vertx, new StartOptions());
  }

  private ServerRef start(Vertx vertx, StartOptions options) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Timed(vertx), null, options));
    assertEquals("after init", Await.next(events));
    return ref;
  }

  @Test
  void resultTimeoutFiresAfterTheGivenTimeWhenNothingArrives(Vertx vertx) {
    ServerRef ref = start(vertx);
    long start = System.nanoTime();
    GenServer.cast(vertx, ref, "arm:100");
    assertEquals("arm:100", Await.next(events));
    assertEquals(Timeout.INSTANCE, Await.next(events));
    long elapsed = Await.millisSince(start);
    assertTrue(elapsed >= 100 && elapsed < 2000, "fired after " + elapsed + " ms");
    Await.nothingFor(events, 300); // one-shot
  }

  @Test
  void messageArrivingFirstCancelsTheResultTimeout(Vertx vertx) {
    ManualClock clock = ManualClock.install(vertx);
    ServerRef ref = start(vertx);
    GenServer.cast(vertx, ref, "arm:150");
    assertEquals("arm:150", Await.next(events));
    clock.advance(Duration.ofMillis(149));
    GenServer.cast(vertx, ref, "ping");
    assertEquals("ping", Await.next(events));
    clock.advance(Duration.ofHours(1));
    assertEquals(null, events.poll(), "the timeout fired after a message arrived first");
  }

  @Test
  void zeroTimeoutIsDroppedWhenAMessageIsAlreadyWaiting(Vertx vertx) {
    ServerRef ref = start(vertx);
    GenServer.cast(vertx, ref, "arm-behind-queued");
    assertEquals("arm-behind-queued", Await.next(events));
    assertEquals("queued", Await.next(events));
    Await.result(GenServer.call(vertx, ref, "sync")); // the zero timeout's task ran before this
    assertEquals(null, events.poll(), "a zero timeout fired behind a waiting message");
  }

  @Test
  void zeroTimeoutFiresAtOnceWhenNothingIsWaiting(Vertx vertx) {
    ServerRef ref = start(vertx);
    GenServer.cast(vertx, ref, "arm:0");
    assertEquals("arm:0", Await.next(events));
    assertEquals(Timeout.INSTANCE, Await.next(events));
  }

  @Test
  void staleTimeoutWhoseFiringIsAlreadyQueuedNeverFiresAfterANewerMessage(Vertx vertx) {
    // Suspended, the server sets aside what arrives, in order: a message, then the firing of the
    // timeout armed before it. Resumed, it handles the message first; the timeout, armed before
    // that message, is then stale and must be dropped although it did fire.
    ManualClock clock = ManualClock.install(vertx);
    ServerRef ref = start(vertx);
    GenServer.cast(vertx, ref, "arm:30");
    assertEquals("arm:30", Await.next(events));
    Await.result(Sys.suspend(vertx, ref));
    GenServer.cast(vertx, ref, "ping");
    clock.advance(Duration.ofMillis(30)); // the timeout fires into the mailbox, behind "ping"
    assertEquals(2, Await.result(Sys.getStatus(vertx, ref)).mailbox(), "the message and the timeout's firing wait, in that order");
    Await.result(Sys.resume(vertx, ref));
    Await.result(GenServer.call(vertx, ref, "sync"));
    assertEquals(List.of("ping"), List.copyOf(events), "only the message was handled, not the stale timeout");
  }

  @Test
  void continueRunsBeforeAnyQueuedMessage(Vertx vertx) {
    ServerRef ref = start(vertx);
    GenServer.cast(vertx, ref, "go");
    assertEquals(List.of("go", "continued", "queued"), List.of(Await.next(events), Await.next(events), Await.next(events)));

    GenServer.cast(vertx, ref, "hold");
    GenServer.cast(vertx, ref, "m1");
    GenServer.cast(vertx, ref, "m2");
    assertEquals(List.of("hold", "continued after hold", "m1", "m2"),
        List.of(Await.next(events), Await.next(events), Await.next(events), Await.next(events)));
  }
}
