package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.atomic.LongAdder;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.Piped;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.RemoteNodes;
import org.vertxotp.genserver.time.Clock;

/**
 * Messages to servers: call, cast, send, stop and kill, by reference or by name, and where a name
 * is. Each takes one resolve step, as {@code gen.erl}'s {@code do_for_proc}: a server of this
 * node (the table), else another node ({@link Node#beyond}), else nobody. A message goes straight
 * into a local server's mailbox; replies and failures complete the caller's future as a task of
 * its own on the caller's context.
 */
public final class Router {

  private final Node node;
  private final LongAdder pendingCalls = new LongAdder();

  Router(Node node) {
    this.node = node;
  }

  long pendingCalls() {
    return pendingCalls.sum();
  }

  void callSettled() {
    pendingCalls.decrement();
  }

  private ServerProcess resolve(Destination destination) {
    return node.table().resolve(destination);
  }

  static CallException noServer(Destination destination) {
    return new CallException(CallFailure.NO_SERVER, "no server: " + destination);
  }

  /**
   * Why a call (or stop) to {@code target} must fail at once, or null if it may go ahead: no
   * server there, or the server itself waiting for itself.
   */
  private static CallException unreachable(Destination destination, ServerProcess target, String selfWhy) {
    if (target == null) {
      return noServer(destination);
    }
    if (target.isCurrent()) {
      return new CallException(CallFailure.CALLING_SELF, target.ref() + " " + selfWhy);
    }
    return null;
  }

  public <T> Future<T> call(Destination destination, Object request, Duration timeout) {
    ServerProcess target = resolve(destination);
    if (target == null) {
      RemoteNodes remote = node.beyond(destination);
      if (remote != null) {
        return remote.call(destination, request, timeout);
      }
    }
    return request(destination, target, false, timeout, call -> new Envelope.Call(request, call));
  }

  /**
   * A request of OTP's {@code sys}: answered between callbacks in mailbox order, even while the
   * server is suspended or its mailbox is full; fails as a call does.
   */
  public <T> Future<T> system(Destination destination, SysRequest request, Duration timeout) {
    return request(destination, resolve(destination), true, timeout, call -> new Envelope.System(request, call));
  }

  /** A call or a sys request to {@code target} (null: nobody): refused at once, or monitored, timed and put in the mailbox. */
  private <T> Future<T> request(Destination destination, ServerProcess target, boolean system, Duration timeout,
                                Function<LocalCall, Envelope> envelope) {
    CallException refused = unreachable(destination, target, "called itself; the call could only wait for itself");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    if (!system && !target.admit()) { // a sys request always gets in
      return Future.failedFuture(new CallException(CallFailure.OVERLOADED, target.ref() + " has a full mailbox"));
    }
    LocalCall call = new LocalCall(node, target, node.callerContext(), system);
    pendingCalls.increment();
    call.armTimeout(timeout); // before the monitor: a server dying at once settles a call that is complete
    if (call.isSettled()) { // its caller's verticle is already gone
      if (!system) {
        target.release();
      }
    } else if (!call.place(envelope.apply(call), !system)) {
      call.fail(noServer(destination));
    }
    @SuppressWarnings("unchecked")
    Future<T> reply = (Future<T>) call.future();
    return reply;
  }

  public void cast(Destination destination, Object message) {
    ServerProcess target = resolve(destination);
    if (target != null) {
      target.offer(new Envelope.Cast(message)); // over a full mailbox it is dropped and counted
      return;
    }
    RemoteNodes remote = node.beyond(destination);
    if (remote != null) {
      remote.cast(destination, message);
    }
  }

  public void send(Destination destination, Object message) {
    ServerProcess target = resolve(destination);
    if (target != null) {
      target.offer(new Envelope.Info(message));
      return;
    }
    RemoteNodes remote = node.beyond(destination);
    if (remote != null) {
      remote.send(destination, message);
    }
  }

  /**
   * Stops a server in mailbox order and completes once it is down (its {@code terminate} ran).
   * Fails with {@link CallFailure#NO_SERVER} if there is none, {@link CallFailure#TIMEOUT} if it
   * is not down in time (it may still stop later), {@link CallFailure#SERVER_EXITED} if it ended
   * with another reason first (a crash, or a throwing terminate).
   */
  public Future<Void> stop(Destination destination, ExitReason reason, Duration timeout) {
    ServerProcess target = resolve(destination);
    RemoteNodes remote = target == null ? node.beyond(destination) : null;
    if (remote != null) {
      return remote.stop(destination, reason, timeout);
    }
    CallException refused = unreachable(destination, target, "cannot wait for its own stop; return a stop result instead");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Promise<Void> promise = Promise.promise();
    Context caller = node.callerContext();
    // As OTP's gen_server:stop/3: a server that ends with another reason than the one asked for fails the stop with it.
    DownListener whenDown = (server, why) -> node.execute(caller, v -> {
      if (why.equals(reason)) {
        promise.tryComplete();
      } else {
        promise.tryFail(CallException.exited(server, why));
      }
    });
    if (!target.monitor(whenDown)) {
      return Future.failedFuture(noServer(destination));
    }
    if (!isInfinite(timeout)) {
      Clock.Scheduled timer = node.clock().schedule(caller, TimerService.timeoutNanos(timeout), () -> {
        target.demonitor(whenDown);
        promise.tryFail(new CallException(CallFailure.TIMEOUT, target.ref() + " did not stop in time"));
      });
      promise.future().onComplete(ar -> timer.cancel());
    }
    target.enqueue(new Envelope.Stop(reason));
    return promise.future();
  }

  /**
   * Stops a supervisor's child: ahead of the messages it has queued, once its current callback is
   * done, even while suspended, with {@code timeout} to run terminate before it is killed.
   * Completes once it is down, however it went; at once if it is gone already.
   */
  Future<Void> shutdownChild(ServerRef child, Duration timeout) {
    ServerProcess target = resolve(child);
    return target == null ? Future.succeededFuture() : target.shutdown(ExitReason.shutdown(), timeout);
  }

  /** Kills a server; completes once it is down. */
  public Future<Void> kill(Destination destination) {
    ServerProcess target = resolve(destination);
    if (target == null) {
      RemoteNodes remote = node.beyond(destination);
      return remote != null ? remote.kill(destination) : Future.failedFuture(noServer(destination));
    }
    Promise<Void> down = Promise.promise();
    Context caller = node.callerContext();
    if (!target.monitor((server, why) -> node.execute(caller, v -> down.tryComplete()))) {
      return Future.succeededFuture();
    }
    target.kill(ExitReason.KILLED);
    return down.future();
  }

  public static ServerRef self() {
    ServerProcess current = ServerProcess.current();
    if (current == null) {
      throw new IllegalStateException("self() is only known inside a server");
    }
    return current.ref();
  }

  /** Delivers {@code work}'s outcome to the calling server's mailbox when it completes. */
  public static void pipeToSelf(Future<?> work, Object tag) {
    ServerProcess self = ServerProcess.current();
    if (self == null) {
      throw new IllegalStateException("pipeToSelf is for a server's callbacks: there is no server here");
    }
    work.onComplete(ar -> self.pipe(ar.succeeded() ? new Piped.Succeeded(tag, ar.result()) : new Piped.Failed(tag, ar.cause())));
  }



  /** True for OTP's {@code infinity}, and for any duration too long to count in milliseconds. */
  public static boolean isInfinite(Duration timeout) {
    return timeout.compareTo(GenServer.INFINITY) >= 0 || timeout.getSeconds() >= Long.MAX_VALUE / 1000;
  }

  /** The holder of {@code name}: a local server at once, else whoever the name registry says. */
  public Future<Optional<ServerRef>> whereis(ServerName name) {
    ServerProcess local = resolve(name);
    return local != null ? Future.succeededFuture(Optional.of(local.ref())) : node.names().whereis(name);
  }

  /** The local server holding {@code name} now, if any. */
  public Optional<ServerRef> whereisLocal(ServerName name) {
    ServerProcess local = resolve(name);
    return local == null ? Optional.empty() : Optional.of(local.ref());
  }
}
