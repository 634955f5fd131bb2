package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.genserver.time.ManualClock;

/**
 * A test with a Vert.x of its own whose toolkit clock only moves when the test advances it, and
 * what such tests ask of a delivery worker.
 */
@ExtendWith(TestVertx.class)
abstract class OnManualClock {

  protected Vertx vertx;
  protected ManualClock clock;

  @BeforeEach
  void installManualClock(Vertx vertx) {
    this.vertx = vertx;
    this.clock = ManualClock.install(vertx);
    TestLogs.allow(DEAD_LETTER_LOGGED); // the tests make dead letters on purpose: each is logged, kept out of the output
  }

  /** How the worker's warning of a dead letter begins. */
  static final String DEAD_LETTER_LOGGED = "dead letter: ";

  /** The statistics of {@code target}'s worker: a call, so handled after whatever reached the worker before it. */
  protected DeliveryStats stats(DeliveryService service, String target) {
    return Await.result(DeliveryWorker.stats(vertx, service.workerFor(target)));
  }

  /** Waits (in real time: an HTTP exchange or a restart runs on it) until {@code target}'s worker's stats satisfy {@code condition}. */
  protected void until(DeliveryService service, String target, Predicate<DeliveryStats> condition, String what) {
    Await.until(() -> condition.test(stats(service, target)), what);
  }

  /**
   * Walks one failing delivery's attempts to {@code peer}: the first arrives at {@code start}, the
   * next {@code waits[i]} after the one before, and nothing arrives a millisecond sooner
   * ({@code why}). Returns when the last attempt arrived.
   */
  protected long attemptsAfter(DeliveryService service, Peer peer, long start, long[] waits, String why) {
    long expected = start;
    for (int attempt = 1; attempt <= waits.length + 1; attempt++) {
      assertEquals(expected, peer.next().atMillis(), "attempt " + attempt);
      int failed = attempt;
      until(service, peer.inbox(), s -> s.retried() + s.deadLettered() == failed, "attempt " + attempt + " settled");
      if (attempt <= waits.length) {
        clock.advance(Duration.ofMillis(waits[attempt - 1] - 1));
        nothingSent(service, peer, 0, why);
        clock.advance(Duration.ofMillis(1));
        expected += waits[attempt - 1];
      }
    }
    return expected;
  }

  /**
   * Asserts that the worker sent nothing to {@code peer}: its stats call is handled after any wake
   * the clock just fired, so an attempt that wake made is in flight by then, or already seen by
   * the peer.
   */
  protected void nothingSent(DeliveryService service, Peer peer, int seenBefore, String what) {
    assertEquals(0, stats(service, peer.inbox()).inFlight(), what);
    assertEquals(seenBefore, peer.seen.size(), what);
  }
}
