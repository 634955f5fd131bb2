package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Where a server runs: its own verticle by default, or a context the caller chooses. */
@ExtendWith(TestVertx.class)
class PlacementTest {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  /** Replies with the context it runs on; records its terminate reason. */
  final class WhereAmI implements GenServer<Void, Void> {
    @Override
    public InitResult<Void> init(Void args) {
      return ok(null);
    }

    @Override
    public CallResult<Void> handleCall(Object request, From from, Void state) {
      return reply(Vertx.currentContext(), state);
    }

    @Override
    public void terminate(ExitReason reason, Void state) {
      events.add(reason);
    }
  }

  /** A verticle that starts a server on its own context and reports both contexts. */
  final class Host extends VerticleBase {
    final Promise<Context[]> contexts = Promise.promise();

    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new WhereAmI(), null, new StartOptions().setContext(context).setName("local"))
          .compose(ref -> GenServer.<Context>call(vertx, ref, "where"))
          .onSuccess(serverContext -> contexts.complete(new Context[] {context, serverContext}));
    }
  }

  @Test
  void serverStartedOnTheCallersContextRunsOnTheCallersContext(Vertx vertx) {
    Host host = new Host();
    Await.result(vertx.deployVerticle(host));
    Context[] contexts = Await.result(host.contexts.future());
    assertSame(contexts[0], contexts[1]);
  }

  @Test
  void serverOnAHostContextStopsWithShutdownWhenTheHostIsUndeployed(Vertx vertx) {
    String hostId = Await.result(vertx.deployVerticle(new Host()));
    assertEquals(1, GenServer.stats(vertx).servers());
    Await.result(vertx.undeploy(hostId));
    assertEquals(ExitReason.shutdown(), Await.next(events));
    Await.idle(vertx);
  }

  @Test
  void serverOnAHostContextThatStopsByItselfLeavesTheHostRunning(Vertx vertx) {
    Host host = new Host();
    String hostId = Await.result(vertx.deployVerticle(host));
    Await.result(GenServer.stop(vertx, ServerName.of("local")));
    assertEquals(ExitReason.normal(), Await.next(events));
    assertEquals(true, vertx.deploymentIDs().contains(hostId));
    Await.result(vertx.undeploy(hostId));
    assertEquals(null, events.poll(), "terminate ran twice"); // a close hook left behind would have run it by now
  }

  @Test
  void serverDeployedByDefaultRunsOnItsOwnContext(Vertx vertx) {
    Host host = new Host();
    Await.result(vertx.deployVerticle(host));
    Context hostContext = Await.result(host.contexts.future())[0];
    ServerRef own = Await.result(GenServer.start(vertx, new WhereAmI(), null));
    Context ownContext = Await.result(GenServer.<Context>call(vertx, own, "where"));
    assertNotSame(hostContext, ownContext);
    assertEquals(2, vertx.deploymentIDs().size(), "the server is a deployment of its own beside the host");
  }

  /** Logs a zero result timeout and casts in the order it sees them; init is sync or async. */
  static final class TimeoutFirst implements GenServer<Boolean, java.util.List<Object>> {
    @Override
    public InitResult<java.util.List<Object>> init(Boolean async) {
      InitResult<java.util.List<Object>> ok = ok(new java.util.ArrayList<>(), java.time.Duration.ZERO);
      if (!async) {
        return ok;
      }
      Promise<InitResult<java.util.List<Object>>> later = Promise.promise();
      Vertx.currentContext().runOnContext(v -> later.complete(ok));
      return asyncInit(later.future());
    }

    @Override
    public NoReplyResult<java.util.List<Object>> handleInfo(Object message, java.util.List<Object> log) {
      log.add(message);
      return noreply(log);
    }

    @Override
    public NoReplyResult<java.util.List<Object>> handleCast(Object message, java.util.List<Object> log) {
      log.add(message);
      return noreply(log);
    }

    @Override
    public CallResult<java.util.List<Object>> handleCall(Object request, From from, java.util.List<Object> log) {
      return reply(java.util.List.copyOf(log), log);
    }
  }

  @Test
  void aCoLocatedStartIsAnsweredAfterInitsResultTookEffectWhetherInitIsSyncOrAsync(Vertx vertx) {
    for (boolean async : new boolean[] {false, true}) {
      Promise<ServerRef> started = Promise.promise();
      Context host = vertx.getOrCreateContext();
      host.runOnContext(v -> GenServer.start(vertx, new TimeoutFirst(), async, new StartOptions().setContext(host))
          .onSuccess(ref -> GenServer.cast(vertx, ref, "cast")) // from the start's own continuation
          .onComplete(started));
      ServerRef ref = Await.result(started.future());
      assertEquals(java.util.List.of(Timeout.INSTANCE, "cast"), Await.result(GenServer.call(vertx, ref, "log")),
          async ? "async init" : "sync init");
    }
  }
}
