package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One message at a time, in arrival order per sender; async callbacks hold the mailbox. */
@ExtendWith(TestVertx.class)
class MailboxTest {

  /** Records every message it handles; {@code "hold"} returns a future the test completes. */
  static final class Recorder implements GenServer<Promise<String>, List<Object>> {
    final AtomicInteger handled = new AtomicInteger();
    private Promise<String> hold;

    @Override
    public InitResult<List<Object>> init(Promise<String> hold) {
      this.hold = hold;
      return ok(new ArrayList<>());
    }

    @Override
    public CallResult<List<Object>> handleCall(Object request, From from, List<Object> seen) {
      if ("hold".equals(request)) {
        // Replies how many messages were handled while it held the mailbox: none, it must be.
        return async(hold.future().map(v -> reply(v + " after " + handled.get(), seen)));
      } else if ("seen".equals(request)) {
        return reply(List.copyOf(seen), seen);
      }
      handled.incrementAndGet();
      seen.add(request);
      return reply(seen.size(), seen);
    }

    @Override
    public NoReplyResult<List<Object>> handleCast(Object message, List<Object> seen) {
      handled.incrementAndGet();
      seen.add(message);
      return noreply(seen);
    }
  }

  @Test
  void asyncCallbackHoldsTheMailboxAndLaterCallsRunAfterItInOrder(Vertx vertx) {
    Promise<String> hold = Promise.promise();
    Recorder recorder = new Recorder();
    Context loop = vertx.getOrCreateContext();
    ServerRef ref = Await.result(GenServer.start(vertx, recorder, hold, new StartOptions().setContext(loop)));
    Future<String> held = GenServer.call(vertx, ref, "hold");
    List<Future<Integer>> later = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      later.add(GenServer.call(vertx, ref, i));
    }
    // Queued on the server's event loop behind the 100 calls, so all of them are in its mailbox
    // when the callback's future completes.
    loop.runOnContext(v -> hold.complete("released"));
    assertEquals("released after 0", Await.result(held), "no message may interleave with a pending callback");
    for (int i = 0; i < 100; i++) {
      assertEquals(i + 1, Await.result(later.get(i)), "call " + i + " handled out of order");
    }
  }

  @Test
  void castsAndCallsFromOneSenderAreHandledInSendingOrder(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Recorder(), Promise.promise()));
    // From a plain thread...
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      if (i % 2 == 0) {
        GenServer.cast(vertx, ref, i);
      } else {
        calls.add(GenServer.call(vertx, ref, i));
      }
    }
    Await.result(Future.all(calls));
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      expected.add(i);
    }
    assertEquals(expected, Await.result(GenServer.call(vertx, ref, "seen")));
  }

  @Test
  void castsAndCallsFromAVerticleAreHandledInSendingOrder(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Recorder(), Promise.promise()));
    // ...and from an event loop of another verticle.
    Await.result(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
          if (i % 3 == 0) {
            calls.add(GenServer.call(vertx, ref, i));
          } else {
            GenServer.cast(vertx, ref, i);
          }
        }
        return Future.all(calls);
      }
    }));
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      expected.add(i);
    }
    assertEquals(expected, Await.result(GenServer.call(vertx, ref, "seen")));
  }
}
