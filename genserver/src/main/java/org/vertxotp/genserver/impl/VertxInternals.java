package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

/**
 * The toolkit's only uses of Vert.x internal API, kept here so that they are visible and
 * replaceable. Vert.x 5 has no public equivalent for either:
 *
 * <ul>
 *   <li>A server placed on an existing context ({@code StartOptions.setContext}) must stop, with
 *       {@code terminate(shutdown)}, when that context's verticle is undeployed, exactly as a
 *       server deployed as its own verticle does. The public API lets a verticle observe only its
 *       own undeploy; close hooks on the context are what Vert.x itself uses to unregister
 *       consumers and timers on undeploy.</li>
 *   <li>Timers armed from outside any server, to a registered name, need an event loop of the
 *       toolkit's own that no deployment's undeploy closes. {@code vertx.getOrCreateContext()}
 *       returns the caller's context when called on a Vert.x thread.</li>
 * </ul>
 */
final class VertxInternals {

  private VertxInternals() {
  }

  /** Runs {@code hook} when {@code context}'s deployment closes. */
  static void onClose(Context context, Closeable hook) {
    ((ContextInternal) context).unwrap().addCloseHook(hook);
  }

  /** Forgets a hook registered by {@link #onClose}, once the server stopped by itself. */
  static void forgetOnClose(Context context, Closeable hook) {
    ((ContextInternal) context).unwrap().removeCloseHook(hook);
  }

  /** A new event-loop context that belongs to no deployment. */
  static Context newEventLoopContext(Vertx vertx) {
    return ((VertxInternal) vertx).createEventLoopContext();
  }
}
