package org.vertxotp.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import java.util.function.Supplier;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;

/**
 * Places a benchmark's server, or its raw consumer, on another event loop than its caller's, and
 * checks that it got there by the event loop's identity: Vert.x deploys round-robin over its
 * loops, so a new deployment may land on the caller's. Each is redeployed until it does not.
 */
final class OtherLoop {

  private static final int ATTEMPTS = 16;

  private OtherLoop() {
  }

  /** True if both contexts are driven by one event-loop thread (compared by identity, not by name). */
  static boolean sameLoop(Context a, Context b) {
    return ((ContextInternal) a).nettyEventLoop() == ((ContextInternal) b).nettyEventLoop();
  }

  /** Deploys a verticle consuming {@code address} with {@code handler}, on another loop than {@code caller}'s. */
  static Context rawConsumer(Vertx vertx, Context caller, String address, Supplier<Handler<Message<Object>>> handler) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Promise<Context> deployed = Promise.promise();
      vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          MessageConsumer<Object> c = vertx.eventBus().consumer(address, handler.get());
          deployed.complete(context);
          return c.completion();
        }
      }).await();
      Context context = deployed.future().await();
      if (!sameLoop(context, caller)) {
        return context;
      }
      vertx.undeploy(context.deploymentID()).await();
    }
    throw new IllegalStateException("the raw consumer for " + address + " kept landing on the caller's event loop");
  }

  /**
   * Starts a server with {@code options} on another loop than {@code caller}'s; the server answers
   * the call {@code "context"} with the context it runs on.
   */
  static ServerRef server(Vertx vertx, Context caller, Supplier<GenServer<?, ?>> behaviour, StartOptions options) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      @SuppressWarnings("unchecked")
      GenServer<Object, Object> server = (GenServer<Object, Object>) behaviour.get();
      ServerRef ref = GenServer.start(vertx, server, null, options).await();
      Context context = GenServer.<Context>call(vertx, ref, "context").await();
      if (!sameLoop(context, caller)) {
        return ref;
      }
      GenServer.stop(vertx, ref).await();
    }
    throw new IllegalStateException("the server kept landing on the caller's event loop");
  }
}
