package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.ServerRef;

/**
 * A monitor of one server, for a monitoring server (Down into its mailbox) or for a handler (run
 * as a task of its own on the context it was set up from, never inline in the dying server's
 * stop). Active until it fires or is demonitored, whichever comes first (one compare-and-set).
 * A handler monitor set up from a verticle ends when that verticle is undeployed.
 */
final class ServerMonitor implements MonitorRef, DownListener, Closeable {

  private static final int ACTIVE = 0;
  private static final int FIRED = 1;
  private static final int CANCELLED = 2;
  private static final AtomicIntegerFieldUpdater<ServerMonitor> STATE =
      AtomicIntegerFieldUpdater.newUpdater(ServerMonitor.class, "state");

  private final Node node;
  private final ServerProcess target;
  private final ServerProcess owner;
  private final Context handlerContext;
  private final Handler<Down> handler;
  private final boolean hooked;
  private volatile int state;
  /** Stops the watch of a server on another node; null for a local one. */
  private volatile Runnable remoteWatch;
  /** Set by a flushing demonitor: a Down already queued is dropped. */
  volatile boolean flushed;

  ServerMonitor(Node node, ServerProcess target, ServerProcess owner, Context handlerContext, Handler<Down> handler) {
    this.node = node;
    this.target = target;
    this.owner = owner;
    this.handlerContext = handlerContext;
    this.handler = handler;
    boolean deployed = handler != null && VertxInternals.isDeployment(handlerContext);
    this.hooked = deployed && VertxInternals.onClose(handlerContext, this);
    if (deployed && !hooked) {
      state = CANCELLED; // its verticle is already undeployed: nobody is left to tell
    }
  }

  /** False for a monitor born cancelled, whose handler's verticle was already undeployed. */
  boolean isActive() {
    return state == ACTIVE;
  }

  ServerProcess owner() {
    return owner;
  }

  @Override
  public void down(ServerRef server, ExitReason reason) {
    fire(server, reason);
  }

  /** Delivers Down once: to the owner's mailbox or to the handler. */
  void fire(Destination server, ExitReason reason) {
    if (!STATE.compareAndSet(this, ACTIVE, FIRED)) {
      return;
    }
    settled();
    Down down = new Down(this, server, reason);
    if (owner != null) {
      owner.enqueue(new Envelope.MonitorDown(this, down));
    } else {
      node.execute(handlerContext, v -> {
        if (!flushed) { // demonitored with flush after it fired: never told
          handler.handle(down);
        }
      });
    }
  }

  /** The target is on another node, watched there until {@code stopWatch} runs. */
  void watchRemotely(Runnable stopWatch) {
    remoteWatch = stopWatch;
    if (state == CANCELLED) {
      stopWatch.run(); // demonitored (or its verticle undeployed) while the watch was being set up
    }
  }

  private void stopRemoteWatch() {
    Runnable watch = remoteWatch;
    if (watch != null) {
      watch.run();
    }
  }

  /** Stops the monitor; true if it was active. */
  boolean cancel(boolean flush) {
    if (STATE.compareAndSet(this, ACTIVE, CANCELLED)) {
      settled();
      if (target != null) {
        target.demonitor(this);
      }
      stopRemoteWatch();
      return true;
    }
    if (flush) {
      flushed = true;
    }
    return false;
  }

  /** The handler's verticle was undeployed: nobody is left to tell. */
  @Override
  public void close(Completable<Void> completion) {
    if (STATE.compareAndSet(this, ACTIVE, CANCELLED)) {
      node.monitoring().settled();
      if (target != null) {
        target.demonitor(this);
      }
      stopRemoteWatch();
    }
    completion.succeed();
  }

  private void settled() {
    node.monitoring().settled();
    if (hooked) {
      VertxInternals.forgetOnClose(handlerContext, this);
    }
  }
}
