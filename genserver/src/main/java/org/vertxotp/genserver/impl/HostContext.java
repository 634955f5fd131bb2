package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

/**
 * The toolkit's only use of Vert.x internal API, kept here so that it is visible and replaceable.
 *
 * <p>Why: a server placed on an existing context ({@code StartOptions.setContext}) must stop, with
 * {@code terminate(shutdown)}, when that context's verticle is undeployed, exactly as a server
 * deployed as its own verticle does. Vert.x 5 offers no public hook on a context's close (the
 * public API only lets a verticle observe its own undeploy), and no public way to deploy a
 * verticle on a chosen event loop. Close hooks on the context are what Vert.x itself uses to
 * unregister consumers and timers on undeploy.
 */
final class HostContext {

  private HostContext() {
  }

  /** Runs {@code hook} when {@code context}'s deployment closes; returns what to pass to {@link #unbind}. */
  static Closeable bind(Context context, Closeable hook) {
    ContextInternal root = ((ContextInternal) context).unwrap();
    root.addCloseHook(hook);
    return hook;
  }

  /** Forgets a hook registered by {@link #bind}, once the server stopped by itself. */
  static void unbind(Context context, Closeable hook) {
    ((ContextInternal) context).unwrap().removeCloseHook(hook);
  }
}
