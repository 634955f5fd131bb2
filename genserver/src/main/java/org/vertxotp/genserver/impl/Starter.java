package org.vertxotp.genserver.impl;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;

/**
 * Starting servers and placing them: a name is claimed in the name registry, the server is
 * linked to the supervisor that asked for it, and it is booted either as a verticle deployed from
 * the node's own context (so that it is nobody's child deployment) or on the host context its
 * options name. Also stops every server, trees in order, when Vert.x closes.
 */
public final class Starter {

  private final Node node;
  private final AtomicLong serial = new AtomicLong();
  /** Supervisors asking to link the child a start creates, by the identity of the options they passed on. */
  private final ConcurrentHashMap<StartOptions, LinkRequest> linkRequests = new ConcurrentHashMap<>();
  private volatile boolean closing;

  Starter(Node node) {
    this.node = node;
  }

  /** A supervisor's wish to link the child that the start with these options creates. */
  static final class LinkRequest {
    final ServerProcess supervisor;
    volatile ServerMonitor monitor;

    LinkRequest(ServerProcess supervisor) {
      this.supervisor = supervisor;
    }
  }

  /** The next start with exactly {@code options} links its server to {@code supervisor} before it runs. */
  LinkRequest requestLink(StartOptions options, ServerProcess supervisor) {
    LinkRequest request = new LinkRequest(supervisor);
    linkRequests.put(options, request);
    return request;
  }

  void endLinkRequest(StartOptions options) {
    linkRequests.remove(options);
  }

  /** Starts a server; the future completes on the caller's context. */
  public <A, S> Future<ServerRef> start(GenServer<A, S> behaviour, A args, StartOptions options) {
    if (closing || VertxInternals.isClosing(node.vertx())) {
      return Future.failedFuture(StartException.stoppedWhileStarting(ExitReason.shutdown(), "Vert.x is closing"));
    }
    Context caller = node.callerContext();
    ServerRef ref = new ServerRef(node.id(), serial.incrementAndGet());
    ServerName name = options.getName().orElse(null);
    ServerProcess process = new ServerProcess(node, behaviour, ref, name, options);
    // Taken now, while the supervisor's start of this child is on the stack, even if the claim below is slow.
    LinkRequest link = linkRequests.isEmpty() ? null : linkRequests.remove(options);
    Promise<ServerRef> result = Promise.promise();
    if (name == null) {
      place(process, args, options, link, caller, result);
      return result.future();
    }
    Future<Optional<ServerRef>> claim = node.names().register(name, ref);
    if (claim.isComplete()) {
      claimed(claim, process, args, options, link, caller, result); // a local registry answers at once: the name is taken now
    } else {
      claim.onComplete(ar -> claimed(claim, process, args, options, link, caller, result));
    }
    return result.future();
  }

  private void claimed(Future<Optional<ServerRef>> claim, ServerProcess process, Object args, StartOptions options,
                       LinkRequest link, Context caller, Promise<ServerRef> result) {
    if (claim.failed()) {
      ExitReason reason = ExitReason.crash(claim.cause());
      node.execute(caller, v -> result.fail(StartException.initStopped(reason)));
    } else if (claim.result().isPresent()) {
      StartException taken = StartException.alreadyStarted(process.name(), claim.result().get());
      node.execute(caller, v -> result.fail(taken));
    } else {
      place(process, args, options, link, caller, result);
    }
  }

  private void place(ServerProcess process, Object args, StartOptions options, LinkRequest link, Context caller,
                     Promise<ServerRef> result) {
    node.table().add(process);
    if (link != null) {
      link.monitor = process.linkTo(link.supervisor);
    }
    process.placement.placing(node.workBegins());
    Optional<Context> host = options.getContext();
    if (host.isPresent()) {
      Context hostContext = VertxInternals.unwrap(host.get());
      node.execute(hostContext, v -> {
        Future<Void> boot = process.placement.boot(hostContext, args, true);
        if (boot.isComplete()) {
          // Settled within boot, which has returned: nothing of the server's is on this stack any more.
          settled(process, boot, caller, result, true);
        } else {
          boot.onComplete(ar -> settled(process, ar, caller, result, false));
        }
      });
    } else {
      VertxInternals.deployDetached(node.vertx(), node.home(), new ServerVerticle(process, args))
          .onComplete(ar -> settled(process, ar, caller, result, false));
    }
  }

  /**
   * The start's placement settled: the caller is answered on its context. With {@code mayAnswerHere},
   * from a task that runs nothing of the server's any more, on that very context: answered without
   * a hop (a co-located start made from the host context).
   */
  private void settled(ServerProcess process, AsyncResult<?> ar, Context caller, Promise<ServerRef> result,
                       boolean mayAnswerHere) {
    if (ar.failed()) {
      process.abandon(); // failed outside the process (Vert.x closing): nothing of it may stay registered
    }
    process.placement.placed(ar.succeeded());
    Handler<Void> answer = v -> {
      if (ar.succeeded()) {
        result.complete(process.ref());
      } else {
        result.fail(ar.cause());
      }
    };
    if (mayAnswerHere && VertxInternals.callerContext() == caller) {
      answer.handle(null);
    } else {
      node.execute(caller, answer);
    }
    process.placement.placed(); // in case it never booted
  }

  /** Vert.x is closing: no new server starts, and every root server stops (its tree in order). */
  Future<Void> stopAll() {
    closing = true;
    List<Future<Void>> stops = new ArrayList<>();
    for (ServerProcess root : node.table().roots()) {
      stops.add(root.shutdown(ExitReason.shutdown()));
    }
    return Future.join(stops).mapEmpty();
  }
}
