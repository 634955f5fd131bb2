package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.time.Clock;

/**
 * Where a server lives and how it gets there and goes: booted on its own verticle's context or on
 * a host context, reachable at its event-bus addresses for plain Vert.x callers, tied to its host
 * context's close, and undeployed when it stops by itself. The start handshake (the future
 * {@code GenServer.start} waits on) completes here.
 *
 * <p>It is also the handler of the server's consumers and its host context's close hook: one
 * object per server, not one per role.
 */
final class Placement implements Handler<Message<Object>>, Closeable {

  private static final int NOT_BOOTED = 0;
  private static final int BOOTED = 1;
  private static final int ABANDONED = 2;
  private static final AtomicIntegerFieldUpdater<Placement> BOOT =
      AtomicIntegerFieldUpdater.newUpdater(Placement.class, "boot");
  private static final AtomicIntegerFieldUpdater<Placement> PLACING =
      AtomicIntegerFieldUpdater.newUpdater(Placement.class, "placingCounted");

  private static final VarHandle PLACED = Fields.of(MethodHandles.lookup(), "placed", Object.class);

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");

  private final ServerProcess process;
  private final Node node;
  private volatile int boot;
  /** Whether a manual clock counts this placement as work in flight, until the server boots. */
  private volatile int placingCounted;
  /**
   * Whether the start's deployment settled deployed (a {@link LazyOutcome}): Vert.x can only
   * undeploy what it finished deploying.
   */
  @SuppressWarnings("unused") // through PLACED
  private volatile Object placed;

  // Confined to the server's context.
  /** The start handshake, until it completed. */
  private Promise<Void> started;
  private String deploymentId;
  private boolean hostHooked;
  private boolean undeploying;
  private MessageConsumer<Object> refConsumer;
  private MessageConsumer<Object> nameConsumer;

  Placement(ServerProcess process) {
    this.process = process;
    this.node = process.node;
  }

  /**
   * Boots the server on {@code ctx} (this runs there): registers its consumers and runs init. The
   * future completes once init returned ok, or fails, after everything was released, with a
   * {@link StartException}.
   */
  Future<Void> boot(Context ctx, Object args, boolean hosted) {
    placed(); // from here on its init is its own business: a held mailbox is not the toolkit's work
    if (!BOOT.compareAndSet(this, NOT_BOOTED, BOOTED)) {
      return Future.failedFuture(StartException.stoppedWhileStarting(ExitReason.NOPROC, "abandoned before it booted"));
    }
    started = Promise.promise();
    Future<Void> handshake = started.future(); // the exit may complete it, and forget it, before this returns
    ExitReason killed = process.booting(ctx);
    if (killed != null) {
      process.exit(killed, null, StartException.stoppedWhileStarting(killed, "killed while starting"));
      return handshake;
    }
    if (hosted) {
      hostHooked = VertxInternals.onClose(ctx, this);
      if (!hostHooked) {
        ExitReason reason = ExitReason.shutdown();
        process.exit(reason, null, StartException.stoppedWhileStarting(reason, "its host context was already closed"));
        return handshake;
      }
    } else {
      deploymentId = ctx.deploymentID();
      node.table().soleServer(ctx, process);
    }
    EventBus bus = node.vertx().eventBus();
    Future<Void> registered = Future.succeededFuture();
    if (process.ownAddress) {
      refConsumer = bus.localConsumer(process.ref().address(), this);
      registered = refConsumer.completion();
    }
    if (process.name() != null) {
      // A name that spans nodes is reachable by plain programs on every node; a ref stays local (one
      // subscription per server would flood the cluster's subscription table).
      String address = process.name().address();
      nameConsumer = node.names().spansNodes() ? bus.consumer(address, this) : bus.localConsumer(address, this);
      registered = Future.all(registered, nameConsumer.completion()).mapEmpty();
    }
    Future<Void> all = registered;
    if (all.isComplete()) {
      afterRegistration(all, args); // local consumers are registered at once
    } else {
      all.onComplete(ar -> node.execute(ctx, v -> afterRegistration(all, args)));
    }
    return handshake;
  }

  /** A message from a plain Vert.x program at one of the server's addresses. */
  @Override
  public void handle(Message<Object> message) {
    PlainMessages.receive(process, message);
  }

  /** The host context is closing (the close hook). */
  @Override
  public void close(Completable<Void> done) {
    hostClosed().onComplete(ar -> done.succeed());
  }

  private void afterRegistration(Future<?> registration, Object args) {
    if (process.phase != ServerProcess.Phase.STARTING) {
      return; // killed meanwhile
    }
    if (registration.failed()) {
      ExitReason reason = ExitReason.crash(registration.cause());
      process.exit(reason, null, StartException.initStopped(reason));
    } else {
      process.loop.init(args);
    }
  }

  /** init returned ok: the start completes. */
  void started() {
    Promise<Void> handshake = started;
    started = null;
    handshake.complete();
  }

  /** init did not return ok, or the server was stopped before it did. */
  void startFailed(StartException failure) {
    Promise<Void> handshake = started;
    started = null;
    if (handshake != null) {
      handshake.fail(failure);
    }
  }

  /** The start's deployment (or host boot) settled, successfully or not. Any thread. */
  void placed(boolean deployed) {
    LazyOutcome.complete(PLACED, this, deployed);
  }

  /** The placement began; {@code counted} if a manual clock counts it as work in flight. */
  void placing(boolean counted) {
    placingCounted = counted ? 1 : 0;
  }

  /** The placement's own work is over (the server boots, or never will): once. */
  void placed() {
    if (PLACING.compareAndSet(this, 1, 0)) {
      node.workDone(true);
    }
  }

  /**
   * The host context is closing. When Vert.x itself closes, a supervised server waits for its
   * supervisor to stop it (trees stop in order); otherwise it stops now.
   */
  private Future<Void> hostClosed() {
    if (!process.isRoot() && VertxInternals.isClosing(node.vertx())) {
      return process.stopped();
    }
    return process.shutdown(ExitReason.shutdown());
  }

  /** The verticle is being undeployed (this runs on its context): stop, and complete once exited. */
  Future<Void> undeployed() {
    undeploying = true;
    return process.shutdownForUndeploy();
  }

  /**
   * The server is stopping: nobody can reach it at its addresses or names any more. Completes once
   * the name registry released its name (at once for the local one; a cluster's may take a while).
   */
  Future<Void> unregister() {
    node.table().forget(process);
    if (refConsumer != null) {
      node.unsubscribe(refConsumer);
      refConsumer = null;
    }
    if (nameConsumer != null) {
      node.unsubscribe(nameConsumer);
      nameConsumer = null;
    }
    if (hostHooked) {
      VertxInternals.forgetOnClose(process.context(), this);
      hostHooked = false;
    }
    return releaseName();
  }

  /** Releases the server's name in the registry; a failure is logged, never left to hang anyone. */
  private Future<Void> releaseName() {
    if (process.name() == null) {
      return Future.succeededFuture();
    }
    Future<Void> released;
    try {
      released = node.names().unregister(process.name(), process.ref());
    } catch (RuntimeException e) {
      released = Future.failedFuture(e);
    }
    return released.recover(e -> {
      LOG.log(System.Logger.Level.ERROR, () -> "the name registry did not release " + process.name(), e);
      return Future.succeededFuture();
    });
  }

  /**
   * Runs {@code finish} once a server that stopped by itself no longer has a verticle (a server that
   * stopped within its own start waits until Vert.x has finished deploying it); at once otherwise.
   */
  void thenFinish(boolean startFailed, Future<Void> nameReleased, Runnable finish) {
    boolean counted = node.workBegins();
    Future<?> gone;
    if (startFailed || deploymentId == null || undeploying) {
      gone = nameReleased;
    } else {
      String id = deploymentId;
      gone = LazyOutcome.<Boolean>future(PLACED, this)
          .compose(deployed -> deployed ? node.vertx().undeploy(id) : Future.succeededFuture())
          .transform(undeployed -> nameReleased);
    }
    if (gone.isComplete()) {
      finish.run(); // the usual case for a hosted server on the local registry: no hop
      node.workDone(counted);
      return;
    }
    // A registry that never answers, or a verticle the server deployed whose stop never ends, must
    // not keep monitors, callers and stop waiters waiting for ever: past the server's shutdown
    // time they are told anyway.
    Duration limit = Router.isInfinite(process.shutdownTimeout()) ? StartOptions.DEFAULT_SHUTDOWN_TIMEOUT
        : process.shutdownTimeout();
    AtomicBoolean finished = new AtomicBoolean();
    Runnable once = () -> {
      if (finished.compareAndSet(false, true)) {
        finish.run();
        node.workDone(counted);
      }
    };
    // Real time: a manual clock's advance waits for this exit to finish, so what ends it cannot wait for the advance.
    Context own = process.context() != null ? process.context() : node.home();
    Clock.Scheduled bound = VertxClock.REAL.schedule(own, TimerService.timeoutNanos(limit), () -> {
      LOG.log(System.Logger.Level.WARNING, () -> process + " stopped, but its name or its verticle was not released within "
          + limit + "; telling who waits for it anyway");
      once.run();
    });
    gone.onComplete(ar -> {
      bound.cancel();
      once.run();
    });
  }

  /** The server never booted (its deployment failed around it); false if it did, its own exit then did all. */
  boolean abandon() {
    return BOOT.compareAndSet(this, NOT_BOOTED, ABANDONED);
  }
}
