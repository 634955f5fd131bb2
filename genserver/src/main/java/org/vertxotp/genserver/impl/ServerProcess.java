package org.vertxotp.genserver.impl;

import io.vertx.core.Closeable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vertxotp.genserver.Action;
import org.vertxotp.genserver.BadReturnException;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.CastResult;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.Timeout;

/**
 * The generic server loop (OTP's {@code gen_server} loop): one message at a time on the
 * server's own context, callbacks never interleaved, results acted on exactly as OTP does.
 *
 * <p>Everything but the monitor set and the exit reason is confined to the server's context,
 * so there are no locks. {@code busy} is the single "a callback is in progress" flag: it is set
 * while a callback runs and while an async result is pending, and every way into the loop
 * ({@link #run()}) respects it, which is what holds the mailbox and prevents re-entrance.
 */
final class ServerProcess<A, S> implements Handler<Message<Object>> {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");
  private static final ThreadLocal<ServerProcess<?, ?>> CURRENT = new ThreadLocal<>();
  /** Context-data key under which a server deployed as its own verticle finds itself. */
  private static final Object CONTEXT_KEY = ServerProcess.class;

  private enum Phase { STARTING, RUNNING, STOPPED }

  private final Node node;
  private final GenServer<A, S> behaviour;
  private final ServerRef ref;
  private final ServerName name;

  // Shared with other threads: monitors register from anywhere.
  private final Set<DownListener> monitors = ConcurrentHashMap.newKeySet();
  /** Timers of other owners addressed to this server: cancelled before any monitor hears of the stop. */
  private final Set<TimerEntry> timersAddressedHere = ConcurrentHashMap.newKeySet();
  private volatile ExitReason exit;
  private final Promise<Void> stopped = Promise.promise();

  // Until its consumer is registered the server is findable (its name is claimed) but cannot
  // receive: the event bus would drop what is sent to it, and it may have no context yet. What is
  // sent to it, and work for its context (kill, monitor bookkeeping), waits here and runs in
  // order on its context once it is ready, or once it stopped (where it drops or finishes).
  private volatile boolean ready;
  private List<Runnable> parked;

  // Written once in boot, before anything else can reach the server; read from other threads.
  private volatile Context context;
  private volatile Thread loopThread;
  private volatile TimerTable timers;

  // Confined to the server's context.
  private String deploymentId;
  private Closeable hostHook;
  private boolean undeploying;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>(2);
  private Phase phase = Phase.STARTING;
  private boolean busy = true;
  private final ArrayDeque<Envelope> mailbox = new ArrayDeque<>();
  private Envelope pendingContinue;
  private ExitReason pendingShutdown;
  private S state;
  private long generation;
  private TimerEntry resultTimeout;
  private final Set<ServerMonitor> ownMonitors = new HashSet<>();

  ServerProcess(Node node, GenServer<A, S> behaviour, ServerRef ref, ServerName name) {
    this.node = node;
    this.behaviour = behaviour;
    this.ref = ref;
    this.name = name;
  }

  ServerRef ref() {
    return ref;
  }

  ServerName name() {
    return name;
  }

  Node node() {
    return node;
  }

  /** The timers this server owns; null until it booted. */
  TimerTable timers() {
    return timers;
  }

  /**
   * The server this code runs for: the one whose callback is on this thread, or, in a future's
   * continuation on a server's own verticle context, that server. Null elsewhere, including on
   * a context shared by several servers.
   */
  /** True when the calling code runs for this server, which can only be on its own event loop. */
  boolean isCurrent() {
    return Thread.currentThread() == loopThread && current() == this;
  }

  static ServerProcess<?, ?> current() {
    ServerProcess<?, ?> running = CURRENT.get();
    if (running != null) {
      return running;
    }
    Context context = Vertx.currentContext();
    return context == null ? null : context.get(CONTEXT_KEY);
  }

  // ---- monitors (any thread)

  /** Adds a monitor; false (and nothing added) if the server already stopped. */
  boolean monitor(DownListener listener) {
    monitors.add(listener);
    // Pairs with fireDown: exit is written before the set is drained, so one side always sees the other.
    return exit == null || !monitors.remove(listener);
  }

  void demonitor(DownListener listener) {
    monitors.remove(listener);
  }

  /** Ties another owner's timer to this server's life; false (nothing added) if it already stopped. */
  boolean watch(TimerEntry timer) {
    timersAddressedHere.add(timer);
    return exit == null || !timersAddressedHere.remove(timer);
  }

  void unwatch(TimerEntry timer) {
    timersAddressedHere.remove(timer);
  }

  private void fireDown(ExitReason reason) {
    exit = reason;
    // First what dies with this server, so that whoever hears of the stop finds it gone.
    for (TimerEntry timer : timersAddressedHere) {
      if (timersAddressedHere.remove(timer)) {
        timer.cancel();
      }
    }
    // Then every monitor's Down is sent, before those waiting on the exit itself (stop waiters,
    // callers) are told: whoever sees the stop knows that its Downs are on their way.
    for (DownListener listener : monitors) {
      if (listener instanceof ServerMonitor && monitors.remove(listener)) {
        listener.down(ref, reason);
      }
    }
    for (DownListener listener : monitors) {
      if (monitors.remove(listener)) {
        listener.down(ref, reason);
      }
    }
  }

  /**
   * Parks {@code envelope} if the server cannot receive yet; false once it can, and the envelope
   * must then travel through the event bus. Any thread.
   */
  boolean parkUntilReady(Envelope envelope) {
    return !ready && park(() -> deliverLocal(envelope));
  }

  private boolean park(Runnable task) {
    synchronized (this) {
      if (ready) {
        return false;
      }
      if (parked == null) {
        parked = new ArrayList<>();
      }
      parked.add(task);
      return true;
    }
  }

  /** Ends parking and runs what was parked, in order, ahead of anything sent later. On the context. */
  private void stopParking() {
    List<Runnable> early;
    synchronized (this) {
      ready = true;
      early = parked;
      parked = null;
    }
    if (early != null) {
      early.forEach(Runnable::run);
    }
  }

  /** The server never booted (its start failed around it): whoever monitors it is told. */
  void abandon(ExitReason reason) {
    if (exit == null) {
      fireDown(reason);
    }
  }

  // ---- lifecycle

  /**
   * Registers the server's consumers on {@code ctx} and runs init; the future completes once
   * init returned ok, or fails (after everything is released) with a {@link StartException}.
   */
  Future<ServerRef> boot(Context ctx, A args, boolean hosted) {
    this.context = ctx;
    this.loopThread = Thread.currentThread();
    this.timers = new TimerTable(node, ctx, loopThread, this);
    if (hosted) {
      hostHook = done -> shutdown(ExitReason.shutdown()).onComplete(ar -> done.succeed());
      VertxInternals.onClose(ctx, hostHook);
    } else {
      deploymentId = ctx.deploymentID();
      ctx.put(CONTEXT_KEY, this);
    }
    EventBus bus = node.vertx().eventBus();
    consumers.add(bus.consumer(ref.address(), this));
    if (name != null) {
      consumers.add(bus.consumer(name.address(), this));
    }
    Promise<ServerRef> started = Promise.promise();
    List<Future<Void>> registered = new ArrayList<>(consumers.size());
    consumers.forEach(c -> registered.add(c.completion()));
    Future.all(registered).onComplete(ar -> onContext(() -> {
      if (ar.failed()) {
        abort(ExitReason.crash(ar.cause()), started, StartException.initStopped(ExitReason.crash(ar.cause())));
        return;
      }
      stopParking(); // parked messages wait in the mailbox until init returned
      InitResult<S> result;
      ServerProcess<?, ?> previous = CURRENT.get();
      CURRENT.set(this);
      try {
        result = behaviour.init(args);
      } catch (Throwable t) {
        result = new InitResult.Stop<>(ExitReason.crash(t));
      } finally {
        CURRENT.set(previous);
      }
      onInit(args, result, started);
    }));
    return started.future();
  }

  private void onInit(A args, InitResult<S> result, Promise<ServerRef> started) {
    if (result instanceof InitResult.Ok<S> ok) {
      state = ok.state();
      phase = Phase.RUNNING;
      busy = false;
      started.complete(ref);
      act(ok.action());
      run();
    } else if (result instanceof InitResult.Stop<S> stop) {
      abort(stop.reason(), started, StartException.initStopped(stop.reason()));
    } else if (result instanceof InitResult.Ignore<S>) {
      abort(ExitReason.normal(), started, StartException.ignored());
    } else if (result instanceof InitResult.Async<S> async) {
      async.result().onComplete(ar -> context.runOnContext(v -> onInit(args,
          ar.succeeded() ? ar.result() : new InitResult.Stop<>(ExitReason.crash(ar.cause())), started)));
    } else {
      ExitReason reason = ExitReason.crash(new BadReturnException("init", args, result));
      abort(reason, started, StartException.initStopped(reason));
    }
  }

  /** init did not return ok: no terminate (as in OTP), release everything, then report. */
  private void abort(ExitReason reason, Promise<ServerRef> started, StartException failure) {
    release(reason, null, false);
    started.fail(failure);
    if (reason.isAbnormal()) {
      LOG.log(Level.ERROR, () -> ref + " failed to start: " + reason, causeOf(reason));
    }
  }

  /**
   * Stops the server as soon as the callback in progress (if any) completed, ahead of queued
   * messages: undeploy, and the close of a hosting context. Completes once it stopped.
   */
  Future<Void> shutdown(ExitReason reason) {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      undeploying = true;
      if (phase == Phase.STOPPED) {
        // Stopped, or stopping by itself and undeploying its verticle: that undeploy is this call.
        done.complete();
        return;
      }
      pendingShutdown = reason;
      stopped.future().onComplete(done);
      run();
    });
    return done.future();
  }

  private void stopWith(ExitReason reason, Runnable replyAfterTerminate) {
    if (phase == Phase.STOPPED) {
      return;
    }
    busy = true;
    cancelResultTimeout();
    if (behaviour instanceof AsyncTerminate) {
      @SuppressWarnings("unchecked")
      AsyncTerminate<S> async = (AsyncTerminate<S>) behaviour;
      Future<Void> done;
      try {
        done = async.terminateAsync(reason, state);
      } catch (Throwable t) {
        done = Future.failedFuture(t);
      }
      done.onComplete(ar -> context.runOnContext(v -> {
        if (phase != Phase.STOPPED) { // unless killed meanwhile
          release(ar.succeeded() ? reason : ExitReason.crash(ar.cause()), replyAfterTerminate, true);
        }
      }));
      return;
    }
    ExitReason finalReason = reason;
    ServerProcess<?, ?> previous = CURRENT.get();
    CURRENT.set(this);
    try {
      behaviour.terminate(reason, state);
    } catch (Throwable t) {
      finalReason = ExitReason.crash(t);
    } finally {
      CURRENT.set(previous);
    }
    release(finalReason, replyAfterTerminate, true);
  }

  /**
   * Frees the name and addresses at once; then, once a server that stopped by itself has also
   * undeployed its verticle, answers the stop reply (so a caller who got it finds the name and
   * the deployment gone) and fails everyone still waiting: the monitors, which are the calls in
   * the mailbox, deferred callers and stop waiters.
   */
  private void release(ExitReason reason, Runnable replyAfterTerminate, boolean undeploy) {
    phase = Phase.STOPPED;
    busy = true;
    stopParking(); // a start that failed before the server was ready: parked work drops or finishes
    cancelResultTimeout();
    node.forget(this);
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    if (hostHook != null) {
      VertxInternals.forgetOnClose(context, hostHook);
      hostHook = null;
    }
    timers.close();
    ownMonitors.forEach(monitor -> monitor.cancel(true));
    ownMonitors.clear();
    mailbox.clear();
    pendingContinue = null;
    state = null;
    Runnable finish = () -> {
      if (replyAfterTerminate != null) {
        replyAfterTerminate.run();
      }
      fireDown(reason);
      stopped.complete();
      if (undeploy && reason.isAbnormal() && !(reason instanceof ExitReason.Killed)) {
        // The crash report comes after everyone waiting was told: formatting it is slow.
        LOG.log(Level.ERROR, () -> ref + (name == null ? "" : " (" + name + ")") + " terminated: " + reason,
            causeOf(reason));
      }
    };
    if (undeploy && deploymentId != null && !undeploying) {
      node.vertx().undeploy(deploymentId).onComplete(ar -> finish.run());
    } else {
      finish.run();
    }
  }

  // ---- the loop

  @Override
  public void handle(Message<Object> message) {
    Envelope envelope = message.body() instanceof Envelope e ? e : PlainMessages.read(this, message);
    if (envelope == null) {
      return;
    }
    deliverLocal(envelope);
  }

  /** Queues an envelope from any thread. */
  void post(Envelope envelope) {
    onContext(() -> deliverLocal(envelope));
  }

  /** Remembers a monitor this server set up, to remove it when it stops. On its context. */
  void own(ServerMonitor monitor) {
    onContext(() -> {
      if (phase == Phase.STOPPED) {
        monitor.cancel(true);
      } else {
        ownMonitors.add(monitor);
      }
    });
  }

  void disown(ServerMonitor monitor) {
    onContext(() -> ownMonitors.remove(monitor));
  }

  /**
   * Stops at once, even mid-callback, without terminate (Erlang's {@code kill}). A pending async
   * result that completes later finds the server stopped and is dropped.
   */
  void kill() {
    onContext(() -> {
      if (phase == Phase.RUNNING) {
        release(ExitReason.KILLED, null, true);
      } else if (phase == Phase.STARTING) {
        pendingShutdown = ExitReason.KILLED;
      }
    });
  }

  /** Queues an envelope and runs the loop; on the server's context. */
  void deliverLocal(Envelope envelope) {
    if (phase == Phase.STOPPED) {
      return; // a call's caller monitors this server and is failed by fireDown, if not already
    }
    mailbox.add(envelope);
    run();
  }

  private void run() {
    while (!busy && phase == Phase.RUNNING) {
      if (pendingShutdown instanceof ExitReason.Killed) {
        release(pendingShutdown, null, true); // killed while starting: no terminate
        return;
      } else if (pendingShutdown != null) {
        stopWith(pendingShutdown, null);
        return;
      }
      Envelope next = pendingContinue;
      if (next != null) {
        pendingContinue = null;
      } else if ((next = mailbox.poll()) == null) {
        return;
      }
      process(next);
    }
  }

  private void process(Envelope envelope) {
    if (envelope instanceof Envelope.KeyedTimer timer && !timers.claim(timer.entry())) {
      return; // replaced or cancelled after it fired: for the server it never arrived
    }
    if (envelope instanceof Envelope.MonitorDown down) {
      ownMonitors.remove(down.monitor());
      if (down.monitor().flushed) {
        return; // demonitored with flush after it fired
      }
    }
    cancelResultTimeout();
    generation++;
    if (envelope instanceof Envelope.Stop stop) {
      stopWith(stop.payload(), null);
      return;
    }
    CallResult<S> result;
    busy = true;
    ServerProcess<?, ?> previous = CURRENT.get();
    CURRENT.set(this);
    try {
      result = invoke(envelope);
    } catch (Throwable t) {
      busy = false;
      stopWith(ExitReason.crash(t), null);
      return;
    } finally {
      CURRENT.set(previous);
    }
    busy = false;
    apply(envelope, result);
  }

  private CallResult<S> invoke(Envelope envelope) throws Exception {
    if (envelope instanceof Envelope.Call call) {
      return behaviour.handleCall(call.payload(), call.from(), state);
    } else if (envelope instanceof Envelope.Cast cast) {
      return behaviour.handleCast(cast.payload(), state);
    } else if (envelope instanceof Envelope.Info || envelope instanceof Envelope.KeyedTimer
        || envelope instanceof Envelope.MonitorDown) {
      return behaviour.handleInfo(envelope.payload(), state);
    } else {
      return behaviour.handleContinue(envelope.payload(), state);
    }
  }

  private static String callbackOf(Envelope envelope) {
    if (envelope instanceof Envelope.Call) {
      return "handleCall";
    } else if (envelope instanceof Envelope.Cast) {
      return "handleCast";
    } else if (envelope instanceof Envelope.Info || envelope instanceof Envelope.KeyedTimer
        || envelope instanceof Envelope.MonitorDown) {
      return "handleInfo";
    }
    return "handleContinue";
  }

  private void apply(Envelope envelope, CallResult<S> result) {
    try {
      if (result instanceof CastResult.Async<S> async) {
        busy = true;
        async.result().onComplete(ar -> context.runOnContext(v -> {
          busy = false;
          if (phase != Phase.RUNNING) {
            return;
          }
          if (ar.failed()) {
            stopWith(ExitReason.crash(ar.cause()), null);
          } else {
            apply(envelope, ar.result());
          }
          run();
        }));
      } else if (result instanceof CastResult.NoReply<S> noReply) {
        state = noReply.state();
        act(noReply.action());
      } else if (result instanceof CastResult.Stop<S> stop) {
        state = stop.state();
        stopWith(stop.reason(), null);
      } else if (result instanceof CallResult.Reply<S> reply && envelope instanceof Envelope.Call call) {
        state = reply.state();
        call.from().reply(reply.reply());
        act(reply.action());
      } else if (result instanceof CallResult.StopWithReply<S> stop && envelope instanceof Envelope.Call call) {
        state = stop.state();
        stopWith(stop.reason(), () -> call.from().reply(stop.reply()));
      } else if (result instanceof CallResult.Reject<S> reject && envelope instanceof Envelope.Call call) {
        state = reject.state();
        call.from().reject(reject.why());
      } else {
        stopWith(ExitReason.crash(new BadReturnException(callbackOf(envelope), envelope.payload(), result)), null);
      }
    } catch (IllegalStateException answeredTwice) {
      stopWith(ExitReason.crash(answeredTwice), null);
    }
  }

  private void act(Action action) {
    if (action instanceof Action.Continue next) {
      pendingContinue = new Envelope.Continue(next.value());
    } else if (action instanceof Action.Timeout timeout) {
      armResultTimeout(timeout.after());
    }
  }

  // ---- result timeouts: one-shot, and stale once any other message was handled

  private void armResultTimeout(Duration after) {
    long armedAt = generation;
    long millis = after.toMillis();
    if (millis == 0 && !after.isZero()) {
      millis = 1;
    }
    if (millis == 0) {
      // Queued behind whatever already waits on this event loop: a waiting message wins.
      context.runOnContext(v -> resultTimeoutFired(armedAt));
    } else {
      resultTimeout = timers.arm(TimerEntry.Kind.RESULT_TIMEOUT, millis, null, armedAt, null);
    }
  }

  void resultTimeoutFired(long armedAt) {
    if (armedAt != generation || busy || phase != Phase.RUNNING) {
      return;
    }
    resultTimeout = null;
    process(new Envelope.Info(Timeout.INSTANCE));
    run();
  }

  private void cancelResultTimeout() {
    if (resultTimeout != null) {
      resultTimeout.cancel();
      resultTimeout = null;
    }
  }

  // ---- helpers

  /**
   * Runs {@code task} on the server's context: now if already there, queued to it otherwise, and
   * parked until it is ready while it starts.
   */
  private void onContext(Runnable task) {
    if (Thread.currentThread() == loopThread) {
      task.run();
    } else if (ready || !park(task)) {
      context.runOnContext(v -> task.run());
    }
  }

  private static Throwable causeOf(ExitReason reason) {
    return reason instanceof ExitReason.Crash crash ? crash.cause() : null;
  }
}
