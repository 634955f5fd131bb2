package org.vertxotp.genserver.impl;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildCounts;
import org.vertxotp.genserver.supervisor.ChildInfo;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Restart;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorFailure;
import org.vertxotp.genserver.supervisor.SupervisorSpec;

/**
 * OTP's supervisor as a gen_server: starts its children in order and monitors them, restarts
 * them by strategy and restart type within the restart intensity, and on stop stops them in
 * reverse order (each with its shutdown time, then killed) before it is gone. While it starts,
 * restarts or stops children it holds its mailbox, as OTP's supervisor does.
 */
public final class SupervisorServer implements GenServer<SupervisorSpec, SupervisorServer.State>,
    AsyncTerminate<SupervisorServer.State> {

  /** Requests of the {@code Supervisor} client API. */
  public record WhichChildren() {}

  public record CountChildren() {}

  public record StartChild(ChildSpec spec) {}

  public record StartDynamicChild(Object args) {}

  public record TerminateChild(String id, ServerRef ref) {}

  public record DeleteChild(String id) {}

  static final class Child {
    final ChildSpec spec;
    final Object args;
    ServerRef ref;
    ServerMonitor monitor;

    Child(ChildSpec spec, Object args) {
      this.spec = spec;
      this.args = args;
    }
  }

  /** The supervisor's state; confined to its context like any server's. */
  public static final class State {
    final SupervisorSpec spec;
    final ServerProcess self;
    final List<Child> children = new ArrayList<>();
    final ArrayDeque<Long> restarts = new ArrayDeque<>();

    State(SupervisorSpec spec, ServerProcess self) {
      this.spec = spec;
      this.self = self;
    }

    boolean dynamic() {
      return spec.template().isPresent();
    }
  }

  /** A child that failed to (re)start, with its id. */
  private static final class ChildStartError extends RuntimeException {
    final Child child;

    ChildStartError(Child child, Throwable cause) {
      super(cause);
      this.child = child;
    }
  }

  private final Vertx vertx;

  public SupervisorServer(Vertx vertx) {
    this.vertx = vertx;
  }

  private Node node() {
    return Node.of(vertx);
  }

  // ---- start

  @Override
  public InitResult<State> init(SupervisorSpec spec) {
    State s = new State(spec, ServerProcess.current());
    spec.children().forEach(c -> s.children.add(new Child(c, null)));
    Future<InitResult<State>> started = startInOrder(s, s.children).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ok(s));
      }
      // A child failed: stop those already started, in reverse, then fail the start with its reason.
      ChildStartError failed = (ChildStartError) ar.cause();
      SupervisorFailure failure = new SupervisorFailure.ChildStartFailed(failed.child.spec.id(), failed.getCause());
      // A child stopped because the supervisor itself is being shut down is no failure: an orderly stop.
      ExitReason reason = s.self.isShuttingDown() ? ExitReason.shutdown(failure) : ExitReason.of(failure);
      return stopInReverse(s.children).map(v -> stop(reason));
    });
    return asyncInit(started);
  }

  private Future<Void> startInOrder(State s, List<Child> children) {
    Future<Void> chain = Future.succeededFuture();
    for (Child child : List.copyOf(children)) {
      chain = chain.compose(v -> child.ref != null ? Future.succeededFuture() : startOne(s, child).mapEmpty());
    }
    return chain;
  }

  /**
   * Starts one child linked to this supervisor (OTP's {@code start_link}): a start with the options
   * given to the child's {@link org.vertxotp.genserver.ChildStart} is monitored by the supervisor
   * before its init runs, so the supervisor sees its real exit reason even if it stops at once, and
   * the child is killed if it outlives the supervisor. A start function that does not pass those
   * options on gets a monitor once its start completed instead.
   */
  private Future<ServerRef> startOne(State s, Child child) {
    StartOptions options = new StartOptions();
    child.spec.name().ifPresent(options::setName);
    if (s.self.lease != null) { // a fenced tree: a child must not act where its supervisor may not
      options.setLease(s.self.lease);
    }
    Starter.LinkRequest link = node().starter().requestLink(options, s.self);
    Future<ServerRef> started;
    try {
      started = child.spec.start().start(vertx, options, child.args);
    } catch (Throwable t) {
      started = Future.failedFuture(t);
    } finally {
      node().starter().endLinkRequest(options);
    }
    return started.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new ChildStartError(child, ar.cause()));
      }
      child.ref = ar.result();
      if (link.monitor != null) {
        child.monitor = link.monitor;
      } else { // its start function did not pass the options on: monitor and link it now
        child.monitor = node().monitoring().monitorFor(s.self, child.ref);
        node().table().link(s.self, child.ref);
      }
      return Future.succeededFuture(child.ref);
    });
  }

  // ---- children stopping

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof Down down) {
      for (Child child : s.children) {
        if (child.monitor == down.monitor()) {
          child.ref = null;
          child.monitor = null;
          return childExited(s, child, down.reason());
        }
      }
    }
    return noreply(s);
  }

  private NoReplyResult<State> childExited(State s, Child child, ExitReason reason) {
    if (s.self.wasKilled() || s.self.loop.lapsed()) {
      return noreply(s); // a restart chain outlived its supervisor, or the supervisor must not act: it ends here
    }
    boolean restart = !s.self.isShuttingDown() // a supervisor being stopped restarts nothing
        && (child.spec.restart() == Restart.PERMANENT || (child.spec.restart() == Restart.TRANSIENT && reason.isAbnormal()));
    if (!restart) {
      if (child.spec.restart() == Restart.TEMPORARY || s.dynamic()) {
        s.children.remove(child);
      }
      return noreply(s);
    }
    if (!withinIntensity(s)) {
      // As OTP: the supervisor stops with shutdown (its parent restarts it only if it is permanent);
      // what went wrong is in the report and in the reason's detail.
      SupervisorFailure failure = new SupervisorFailure.RestartIntensityExceeded(
          child.spec.id(), reason, s.spec.intensity(), s.spec.period());
      Exit.REPORTS.log(System.Logger.Level.ERROR, () -> "supervisor " + s.self + ": " + failure, Exit.causeOf(reason));
      return stop(ExitReason.shutdown(failure), s);
    }
    node().observer().restarted(s.self, child.spec.id());
    return async(restart(s, child).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(noreply(s));
      }
      // A restart that fails counts as the child exiting again: intensity decides how long we try.
      Child failed = ar.cause() instanceof ChildStartError e ? e.child : child;
      Throwable cause = ar.cause() instanceof ChildStartError e ? e.getCause() : ar.cause();
      return Future.succeededFuture(childExited(s, failed, ExitReason.crash(cause)));
    }));
  }

  /**
   * Records a restart; false if it is one more than the intensity allows within the period. As
   * OTP, a restart exactly one period ago still counts (kept while {@code R >= Now - Period}).
   */
  private boolean withinIntensity(State s) {
    long now = node().clock().nanoTime();
    s.restarts.addLast(now);
    long horizon = now - s.spec.period().toNanos();
    while (!s.restarts.isEmpty() && s.restarts.peekFirst() < horizon) {
      s.restarts.pollFirst();
    }
    return s.restarts.size() <= s.spec.intensity();
  }

  private Future<Void> restart(State s, Child child) {
    switch (s.spec.strategy()) {
      case ONE_FOR_ALL:
        return restartAll(s, new ArrayList<>(s.children));
      case REST_FOR_ONE:
        return restartAll(s, new ArrayList<>(s.children.subList(s.children.indexOf(child), s.children.size())));
      default:
        return startOne(s, child).mapEmpty();
    }
  }

  /**
   * Stops {@code group} in reverse and starts it again in order. Temporary children stopped on
   * the way are forgotten, never restarted, as in OTP.
   */
  private Future<Void> restartAll(State s, List<Child> group) {
    return stopInReverse(group).compose(v -> {
      group.removeIf(c -> c.spec.restart() == Restart.TEMPORARY && s.children.remove(c));
      return startInOrder(s, group);
    });
  }

  private Future<Void> stopInReverse(List<Child> children) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = children.size() - 1; i >= 0; i--) {
      Child child = children.get(i);
      chain = chain.compose(v -> stopOne(child));
    }
    return chain;
  }

  /**
   * Stops one child and forgets its monitor first, so that its Down restarts nothing. It gets
   * its shutdown time to terminate, then is killed; this never fails.
   */
  private Future<Void> stopOne(Child child) {
    ServerRef ref = child.ref;
    if (ref == null) {
      return Future.succeededFuture();
    }
    Monitoring.demonitor(child.monitor, true);
    child.ref = null;
    child.monitor = null;
    Duration shutdown = child.spec.shutdown();
    Future<Void> stopped = shutdown.isZero() ? node().router().kill(ref) : node().router().shutdownChild(ref, shutdown);
    return stopped.recover(err -> Future.succeededFuture());
  }

  @Override
  public Future<Void> terminateAsync(ExitReason reason, State s) {
    return stopInReverse(s.children);
  }

  // ---- the client API

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    if (request instanceof WhichChildren) {
      List<ChildInfo> infos = new ArrayList<>();
      s.children.forEach(c -> infos.add(new ChildInfo(c.spec.id(), Optional.ofNullable(c.ref), c.spec.restart())));
      return reply(List.copyOf(infos), s);
    } else if (request instanceof CountChildren) {
      int active = (int) s.children.stream().filter(c -> c.ref != null).count();
      return reply(new ChildCounts(s.children.size(), active), s);
    } else if (request instanceof StartChild start) {
      if (s.dynamic()) {
        return reject("a dynamic supervisor starts children with startDynamicChild", s);
      }
      Child existing = find(s, c -> c.spec.id().equals(start.spec().id()));
      if (existing != null) { // as OTP's start_child: the caller learns which, and nothing changes
        ((OutstandingCall) from).answerWithFailure(existing.ref != null
            ? StartException.childAlreadyStarted(existing.spec.id(), existing.ref)
            : StartException.childAlreadyPresent(existing.spec.id()));
        return noreply(s);
      }
      return startAdded(s, new Child(start.spec(), null), from);
    } else if (request instanceof StartDynamicChild start) {
      if (!s.dynamic()) {
        return reject("only a dynamic supervisor has startDynamicChild", s);
      }
      return startAdded(s, new Child(s.spec.template().orElseThrow(), start.args()), from);
    } else if (request instanceof TerminateChild terminate) {
      Child child = find(s, c -> terminate.ref() != null ? terminate.ref().equals(c.ref) : c.spec.id().equals(terminate.id()));
      if (child == null) {
        return reject("not found: " + (terminate.ref() != null ? terminate.ref() : terminate.id()), s);
      }
      return async(stopOne(child).map(v -> {
        if (s.dynamic() || child.spec.restart() == Restart.TEMPORARY) {
          s.children.remove(child);
        }
        return reply(null, s);
      }));
    } else if (request instanceof DeleteChild delete) {
      if (s.dynamic()) {
        return reject("a dynamic supervisor has no child specs to delete", s);
      }
      Child child = find(s, c -> c.spec.id().equals(delete.id()));
      if (child == null) {
        return reject("not found: " + delete.id(), s);
      }
      if (child.ref != null) {
        return reject("running: " + delete.id() + "; terminate it first", s);
      }
      s.children.remove(child);
      return reply(null, s);
    }
    return reject("unknown request " + request.getClass().getName(), s);
  }

  /** Adds a child and starts it; a start failure removes it again and fails the caller with the child's own failure. */
  private CallResult<State> startAdded(State s, Child child, From from) {
    s.children.add(child);
    return async(startOne(s, child).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(reply(ar.result(), s));
      }
      s.children.remove(child);
      ((OutstandingCall) from).answerWithFailure(ar.cause().getCause());
      return Future.succeededFuture(noreply(s));
    }));
  }

  private static Child find(State s, Predicate<Child> matches) {
    for (Child child : s.children) {
      if (matches.test(child)) {
        return child;
      }
    }
    return null;
  }
}
