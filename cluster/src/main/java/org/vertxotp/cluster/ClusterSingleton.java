package org.vertxotp.cluster;

import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import org.vertxotp.cluster.impl.ClusterInternals;
import org.vertxotp.cluster.impl.NodeLease;
import org.vertxotp.genserver.Action;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.Piped;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartException;
import org.vertxotp.genserver.StartFailure;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Restart;

/**
 * A server that runs on exactly one node of the cluster, under its cluster name, and comes back on
 * a survivor when that node is lost. Every node that should be able to run it starts a keeper for
 * the same {@link ChildSpec} (which must have a name); the keepers race to start the server, the
 * name registry lets exactly one win, and the others monitor the winner. When it goes down, the
 * keepers race again:
 * <ul>
 *   <li>its node was lost ({@code noconnection}): after one and a half leases, the time by which
 *       that node's lease has surely lapsed, whatever the spec's restart says: that is what
 *       failover is;</li>
 *   <li>its node shut it down ({@code shutdown}, as when the node closes, or its lease lapsed): at
 *       once;</li>
 *   <li>it stopped otherwise: as a supervisor would restart it ({@code permanent} always,
 *       {@code transient} after an abnormal exit, {@code temporary} never).</li>
 * </ul>
 * To retire a singleton for good, stop every keeper.
 * A server that crashes again within {@value #FAST_CRASH_MILLIS} ms of its start is started again
 * after {@value #FAST_CRASH_MILLIS} ms, not at once. Stopping a keeper stops the server if that
 * keeper runs it. What the server's state was is its own business: keep it in a store that outlives
 * the node (the delivery module's Hazelcast store, for instance).
 *
 * <h2>Never two incarnations</h2>
 * On a node that joined the cluster ({@link GenServerCluster}), the singleton is started under the
 * node's lease ({@link GenServerCluster#lease}, {@link org.vertxotp.genserver.StartOptions#setLease}),
 * and a keeper starts it only while that lease is valid. A node that was paused past its lease (a
 * long GC, a frozen VM) or finds itself on the minority side of a split handles nothing more in
 * the singleton from the moment it runs again: the singleton exits with
 * {@code {shutdown, lease_lapsed}} without running {@code terminate}, before the others start it
 * (they wait out the lease). The one window is a callback already running at the pause, and what
 * it had already sent. This needs the spec's start function to pass on the {@code StartOptions}
 * it is given (name and lease), as {@code ChildSpec.worker} and {@code ChildSpec.supervisor} do; a
 * supervisor under a lease starts its children under it. The price is the majority: a keeper on
 * the smaller side of a split does not start the singleton, and in a cluster of two members,
 * exactly half, the side of the older member is the majority, so when the older one is lost the
 * younger cannot tell that from being cut off, and the singleton waits until a member joins it or
 * the older one is back. Where the lease does not reach: the wait is counted from when this
 * keeper heard of the loss, so a keeper that starts (or restarts) within it may start the
 * singleton at once; and a keeper started on a node before it joined the cluster runs unfenced.
 */
public final class ClusterSingleton {

  static final long FAST_CRASH_MILLIS = 1_000;
  static final long NOPROC_RETRY_MILLIS = 50;
  /** How often a keeper whose node's lease is not valid looks whether it is again. */
  static final long LEASE_POLL_MILLIS = 250;

  private ClusterSingleton() {
  }

  /** Starts this node's keeper of {@code spec}; completes with the keeper's ref (not the singleton's). */
  public static Future<ServerRef> start(Vertx vertx, ChildSpec spec) {
    return GenServer.start(vertx, new Keeper(vertx), checked(spec));
  }

  /** A child spec that starts this node's keeper of {@code spec}, to put it under a local supervisor. */
  public static ChildSpec keeperSpec(ChildSpec spec) {
    ChildSpec singleton = checked(spec);
    return ChildSpec.of("singleton-keeper:" + singleton.id(),
        (vertx, options, args) -> GenServer.start(vertx, new Keeper(vertx), singleton, options));
  }

  private static ChildSpec checked(ChildSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.name().isEmpty()) {
      throw new IllegalArgumentException("a cluster singleton needs a name: " + spec);
    }
    return spec;
  }

  /** What a keeper knows: the singleton's spec, and either the singleton it runs or the one it watches. */
  record State(ChildSpec spec, ServerRef running, long startedMillis, MonitorRef monitor) {
    ServerName name() {
      return spec.name().orElseThrow();
    }

    State idle() {
      return new State(spec, null, 0, null);
    }
  }

  private record Attempt() {
  }

  private record Retry() {
  }

  private static final class Keeper implements GenServer<ChildSpec, State> {
    private final Vertx vertx;
    /** The last start tried, whose outcome may still be on its way when the keeper stops. */
    private Future<ServerRef> starting;
    /** This node's lease, on a node that joined the cluster; null on one that did not (it is alone). */
    private NodeLease lease;

    Keeper(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public InitResult<State> init(ChildSpec spec) {
      if (GenServerCluster.joined(vertx)) {
        lease = NodeLease.of(vertx, ClusterInternals.hazelcastOf(vertx).orElseThrow());
      }
      return ok(new State(spec, null, 0, null), Action.continueWith(new Attempt()));
    }

    @Override
    public NoReplyResult<State> handleContinue(Object continuation, State state) {
      return attempt(state);
    }

    /** Tries to start the singleton here; the outcome arrives as a {@link Piped} message. */
    private NoReplyResult<State> attempt(State state) {
      if (lease != null && !lease.isValid()) {
        // Looks again shortly rather than listening: a keeper killed without terminate leaves nothing behind.
        return retryAfter(LEASE_POLL_MILLIS, state);
      }
      StartOptions options = new StartOptions().setName(state.name());
      if (lease != null) {
        options.setLease(lease);
      }
      Future<ServerRef> start = state.spec().start().start(vertx, options, null);
      starting = start;
      GenServer.pipeToSelf(start, new Attempt());
      return noreply(state.idle());
    }

    @Override
    public NoReplyResult<State> handleInfo(Object message, State state) {
      if (message instanceof Piped.Succeeded started && started.tag() instanceof Attempt) {
        starting = null;
        ServerRef ref = (ServerRef) started.value();
        return noreply(new State(state.spec(), ref, System.currentTimeMillis(), Monitors.monitor(vertx, ref)));
      }
      if (message instanceof Piped.Failed failed && failed.tag() instanceof Attempt) {
        starting = null;
        if (failed.cause() instanceof StartException refused && refused.failure() == StartFailure.ALREADY_STARTED
            && refused.holder().isPresent()) {
          return noreply(new State(state.spec(), null, 0, Monitors.monitor(vertx, refused.holder().get())));
        }
        return retryAfter(FAST_CRASH_MILLIS, state);
      }
      if (message instanceof Retry) {
        return attempt(state);
      }
      if (message instanceof Down down && down.monitor().equals(state.monitor())) {
        return singletonDown(down.reason(), state);
      }
      return noreply(state);
    }

    private NoReplyResult<State> singletonDown(ExitReason reason, State state) {
      if (reason instanceof ExitReason.NoProc && state.running() == null) {
        // The holder it meant to watch was gone before the watch began: try again shortly, not in a loop.
        return retryAfter(NOPROC_RETRY_MILLIS, state);
      }
      if (reason instanceof ExitReason.NoConnection && lease != null) {
        // Its node may only be paused or cut off: it stops by itself once its lease lapsed, by then surely.
        return retryAfter(lease.quarantine().toMillis(), state);
      }
      // noproc for the one it started: it was gone before the watch began (its lease lapsed, say), reason unknown
      boolean again = reason instanceof ExitReason.NoConnection || reason instanceof ExitReason.Shutdown
          || reason instanceof ExitReason.NoProc
          || state.spec().restart() == Restart.PERMANENT
          || (state.spec().restart() == Restart.TRANSIENT && reason.isAbnormal());
      if (!again) {
        return noreply(state.idle());
      }
      if (state.running() != null && System.currentTimeMillis() - state.startedMillis() < FAST_CRASH_MILLIS) {
        return retryAfter(FAST_CRASH_MILLIS, state);
      }
      return attempt(state);
    }

    private NoReplyResult<State> retryAfter(long millis, State state) {
      org.vertxotp.genserver.time.Timers.sendAfter(vertx, Duration.ofMillis(millis), GenServer.self(), new Retry());
      return noreply(state.idle());
    }

    @Override
    public void terminate(ExitReason reason, State state) {
      if (state.running() != null) {
        GenServer.stop(vertx, state.running(), ExitReason.shutdown(), state.spec().shutdown());
      }
      Future<ServerRef> pending = starting;
      if (pending != null) { // a start in flight: what it starts has nobody to keep it, so it stops too
        Duration shutdown = state.spec().shutdown();
        pending.onSuccess(ref -> GenServer.stop(vertx, ref, ExitReason.shutdown(), shutdown));
      }
    }
  }
}
