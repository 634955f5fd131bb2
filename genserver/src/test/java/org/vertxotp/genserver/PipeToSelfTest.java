package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.sys.Sys;

/** Async work whose outcome comes back as a message, without holding the mailbox. */
@ExtendWith(TestVertx.class)
class PipeToSelfTest {

  /** Starts work on request, pipes its outcome to itself, and counts the outcomes per tag. */
  static final class Worker implements GenServer<Void, Map<Object, Integer>> {
    record Start(Future<?> work, Object tag) {}

    record Outcomes() {}

    @Override
    public InitResult<Map<Object, Integer>> init(Void args) {
      return ok(new HashMap<>());
    }

    @Override
    public CallResult<Map<Object, Integer>> handleCall(Object request, From from, Map<Object, Integer> outcomes) {
      if (request instanceof Start start) {
        GenServer.pipeToSelf(start.work(), start.tag());
        return reply("started", outcomes);
      }
      return reply(Map.copyOf(outcomes), outcomes);
    }

    @Override
    public NoReplyResult<Map<Object, Integer>> handleInfo(Object message, Map<Object, Integer> outcomes) {
      Piped piped = (Piped) message;
      Object key = piped instanceof Piped.Failed failed ? "failed:" + failed.cause().getMessage() : piped.tag();
      outcomes.merge(key, 1, Integer::sum);
      return noreply(outcomes);
    }
  }

  @Test
  void aThousandPipedOutcomesArriveExactlyOnceWhileTheServerGoesOnAnswering(Vertx vertx) {
    ServerRef worker = Await.result(GenServer.start(vertx, new Worker(), null));
    List<Promise<String>> work = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Promise<String> piece = Promise.promise();
      work.add(piece);
      assertEquals("started", Await.result(GenServer.call(vertx, worker, new Worker.Start(piece.future(), i))));
    }
    // All 1000 in flight at once, and the mailbox is free: the server answers.
    assertEquals(Map.of(), Await.result(GenServer.call(vertx, worker, new Worker.Outcomes())));
    for (int i = 0; i < 1000; i++) {
      if (i % 10 == 0) {
        work.get(i).fail(new IllegalStateException("piece " + i));
      } else {
        work.get(i).complete("done");
      }
    }
    Map<Object, Integer> outcomes = Await.result(Sys.getState(vertx, worker)); // a barrier: after every outcome queued before it
    assertEquals(1000, outcomes.size());
    outcomes.values().forEach(count -> assertEquals(1, count, "each outcome exactly once"));
    assertEquals(1, outcomes.get("failed:piece 990"));
    assertEquals(1, outcomes.get(999));
  }

  @Test
  void anOutcomeForAServerThatStoppedIsDroppedAndCounted(Vertx vertx) {
    ServerRef worker = Await.result(GenServer.start(vertx, new Worker(), null));
    Promise<String> late = Promise.promise();
    Await.result(GenServer.call(vertx, worker, new Worker.Start(late.future(), "late")));
    Await.result(GenServer.stop(vertx, worker));
    long before = GenServer.stats(vertx).dropped();
    late.complete("too late");
    assertEquals(before + 1, GenServer.stats(vertx).dropped());
  }

  @Test
  void pipingOutsideAServerIsAClearError() {
    IllegalStateException outside = assertThrows(IllegalStateException.class, () -> GenServer.pipeToSelf(Future.succeededFuture(), "x"));
    assertTrue(outside.getMessage().contains("server"), outside.getMessage());
  }
}
