package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.sys.MicrometerMetrics;
import org.vertxotp.genserver.sys.ServerStatistics;
import org.vertxotp.genserver.sys.Sys;

/** A bounded mailbox: past its limit, calls fail at once and casts are dropped and counted. */
@ExtendWith(TestVertx.class)
class MailboxLimitTest {

  @Test
  void pastTheLimitACallFailsAtOnceWithOverloadedAndACastIsDroppedAndCounted(Vertx vertx) {
    ServerRef server = Await.result(GenServer.start(vertx, new Recorder(vertx), new LinkedBlockingQueue<>(),
        new StartOptions().setMailboxLimit(2)));
    Await.result(Sys.suspend(vertx, server)); // system requests get in whatever the limit
    GenServer.send(vertx, server, "one");
    GenServer.send(vertx, server, "two");
    long start = System.nanoTime();
    Await.callFailure(GenServer.call(vertx, server, new Recorder.WhereAmI(), Duration.ofSeconds(30)), CallFailure.OVERLOADED);
    assertTrue(Await.millisSince(start) < 5000, "failed at once");
    GenServer.send(vertx, server, "three");
    ServerStatistics statistics = Await.result(Sys.statistics(vertx, server));
    assertEquals(1, statistics.dropped());
    assertEquals(1, statistics.refused());
    assertEquals(1, GenServer.stats(vertx).dropped());
    Await.result(Sys.resume(vertx, server));
    assertEquals(2, Await.<java.util.Queue<Object>>result(Sys.getState(vertx, server)).size(), "the two that got in are handled");
  }

  /** Handles each info slowly: about 50 us of work. */
  static final class Slow implements GenServer<Void, long[]> {
    @Override
    public InitResult<long[]> init(Void args) {
      return ok(new long[1]);
    }

    @Override
    public NoReplyResult<long[]> handleInfo(Object message, long[] handled) {
      long until = System.nanoTime() + 50_000;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      handled[0]++;
      return noreply(handled);
    }
  }

  @Test
  void withAProducerTenTimesFasterThanTheServerTheMailboxStaysWithinItsLimit(Vertx vertx) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerMetrics.bind(vertx, registry);
    int limit = 1_000;
    ServerRef server = Await.result(GenServer.start(vertx, new Slow(), null,
        new StartOptions().setName("slow").setMailboxLimit(limit)));
    Gauge mailbox = registry.get("genserver.mailbox").tag("server", "slow").gauge();
    int sent = 200_000; // about 5 us each from here: ten times the server's 50 us
    double largest = 0;
    for (int i = 0; i < sent; i++) {
      GenServer.send(vertx, server, i);
      if (i % 1000 == 0) {
        largest = Math.max(largest, mailbox.value());
      }
    }
    long[] handled = Await.result(Sys.getState(vertx, server));
    ServerStatistics statistics = Await.result(Sys.statistics(vertx, server));
    assertTrue(largest <= limit, "the mailbox held " + largest);
    assertTrue(statistics.dropped() > sent / 2, "most were dropped: " + statistics.dropped());
    assertEquals(sent, handled[0] + statistics.dropped(), "every message was handled or counted as dropped");
  }
}
