package org.vertxotp.genserver.impl;

import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.vertxotp.genserver.StartOptions;

/**
 * The toolkit's only uses of Vert.x internal API, kept here so that they are visible and
 * replaceable. Vert.x 5 has no public equivalent for any of them:
 *
 * <ul>
 *   <li>Confinement is per context, and a handler runs on a duplicate of its context: telling
 *       whether code runs on a given context needs the current context unwrapped.</li>
 *   <li>A server placed on an existing context ({@code StartOptions.setContext}) must stop when
 *       that context's verticle is undeployed; a monitor or call whose owner's verticle is
 *       undeployed must not outlive it. Close hooks on the context are what Vert.x itself uses.</li>
 *   <li>Servers must not become child deployments of whoever started them (a server's life is
 *       tied only to its supervisor): they are deployed as if from the toolkit's own context,
 *       which belongs to no deployment.</li>
 *   <li>A clock wake-up must run on the context that owns it, whatever context armed it, must
 *       not die with a deployment it does not belong to, and is kept to the nanosecond: it is
 *       scheduled on the context's event loop directly. The public {@code vertx.setTimer} arms on
 *       the current context, in whole milliseconds, and dies with the current deployment.</li>
 *   <li>The toolkit stops every server in order when Vert.x closes, before Vert.x undeploys
 *       what is left: a close hook on the Vert.x instance.</li>
 * </ul>
 */
final class VertxInternals {

  private VertxInternals() {
  }

  /** The context this code runs on, unwrapped from any duplicate; null off Vert.x contexts. */
  static Context currentContext() {
    ContextInternal current = ContextInternal.current();
    return current == null ? null : current.unwrap();
  }

  /** The context this code runs on exactly as it is (a duplicate stays one); null off Vert.x contexts. */
  static Context callerContext() {
    return ContextInternal.current();
  }

  /** {@code context} unwrapped from any duplicate. */
  static Context unwrap(Context context) {
    return ((ContextInternal) context).unwrap();
  }

  /** True when this code runs on {@code context} (or a duplicate of it). */
  static boolean isOn(Context context) {
    ContextInternal current = ContextInternal.current();
    return current != null && current.unwrap() == context;
  }

  /** True if {@code context} belongs to a deployment, which can be undeployed before Vert.x closes. */
  static boolean isDeployment(Context context) {
    return ((ContextInternal) context).isDeployment();
  }

  /**
   * Runs {@code hook} when {@code context}'s deployment closes (or Vert.x, for a context of no
   * deployment); false (and nothing registered) if that already happened.
   */
  static boolean onClose(Context context, Closeable hook) {
    return ((ContextInternal) context).unwrap().closeFuture().add(hook);
  }

  /** True once {@code vertx} began to close (its close hooks run before it undeploys anything). */
  static boolean isClosing(Vertx vertx) {
    return ((VertxInternal) vertx).closeFuture().isClosed();
  }

  /** Forgets a hook registered by {@link #onClose}. */
  static void forgetOnClose(Context context, Closeable hook) {
    ((ContextInternal) context).unwrap().removeCloseHook(hook);
  }

  /** Runs {@code hook} when {@code vertx} closes, before it undeploys its deployments. */
  static void onVertxClose(Vertx vertx, Closeable hook) {
    ((VertxInternal) vertx).addCloseHook(hook);
  }

  /** The cluster node id of a clustered Vert.x instance; empty for one that is not clustered. */
  static java.util.Optional<String> clusterNodeId(Vertx vertx) {
    io.vertx.core.spi.cluster.ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    return manager == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(manager.getNodeId());
  }

  /** A new event-loop context that belongs to no deployment. */
  static Context newEventLoopContext(Vertx vertx) {
    return ((VertxInternal) vertx).createEventLoopContext();
  }

  /**
   * Deploys {@code verticle} as if from {@code home}, a context of no deployment, so that the
   * new deployment has no parent whatever context calls this.
   */
  static Future<String> deployDetached(Vertx vertx, Context home, Deployable verticle) {
    AtomicReference<Future<String>> deployed = new AtomicReference<>();
    ((ContextInternal) home).dispatch(() -> deployed.set(vertx.deployVerticle(verticle)));
    Future<String> started = deployed.get();
    return started != null ? started : Future.failedFuture("the deployment could not be started");
  }

  /**
   * Runs {@code task} on {@code context} once {@code delayNanos} passed (at once for zero or less),
   * unaffected by the undeploy of any deployment. Returns the handle that cancels it.
   */
  static ScheduledFuture<?> schedule(Context context, long delayNanos, Runnable task) {
    ContextInternal target = (ContextInternal) context;
    // On an event-loop context the loop's own task is the context's; a worker context runs it on its own thread.
    Runnable run = target.isEventLoopContext() ? () -> target.dispatch(task) : () -> target.runOnContext(v -> task.run());
    return target.nettyEventLoop().schedule(run, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }
}
