package org.vertxotp.genserver;

import io.vertx.core.Context;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code GenServer.start} starts a server: its registered name, where it runs, and how long
 * it gets to stop when it is shut down from outside.
 *
 * <h2>Lifetime</h2>
 * A server's life is tied only to what OTP ties it to: its supervisor and explicit stops. Who
 * called {@code start}, and from which verticle or server, does not matter: a server is never a
 * child deployment of its starter. When Vert.x closes, the toolkit stops every server first,
 * supervision trees in order (children in reverse start order), before Vert.x undeploys the rest.
 *
 * <h2>Placement</h2>
 * By default a server is deployed as its own verticle, on its own context and an event loop
 * that Vert.x picks. A round trip between two event loops costs a thread wake-up each way (tens
 * of microseconds); a call between handlers on one event loop costs about a microsecond. Where a
 * server is called mostly by one verticle, {@link #setContext(Context)} runs it on that
 * verticle's context instead: the server then shares the context's event loop and, by that
 * explicit choice, its lifetime (it stops with {@link ExitReason#shutdown()} when that context's
 * verticle is undeployed); it is not a separate deployment.
 */
public final class StartOptions {

  /** OTP's default shutdown time for a worker: how long {@code terminate} may take on undeploy. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private ServerName name;
  private Context context;
  private Duration shutdownTimeout;
  private int mailboxLimit;
  private boolean ownAddress = true;
  private Lease lease;

  public StartOptions() {
  }

  /** Registers the server under {@code name} (unique in this Vert.x instance). */
  public StartOptions setName(String name) {
    this.name = ServerName.of(name);
    return this;
  }

  public StartOptions setName(ServerName name) {
    this.name = Objects.requireNonNull(name, "name");
    return this;
  }

  public Optional<ServerName> getName() {
    return Optional.ofNullable(name);
  }

  /**
   * Runs the server on an existing event-loop context (for example the caller's own,
   * {@code vertx.getOrCreateContext()} inside a verticle) instead of deploying it as a verticle.
   */
  public StartOptions setContext(Context context) {
    Objects.requireNonNull(context, "context");
    if (!context.isEventLoopContext()) {
      throw new IllegalArgumentException("a server runs on an event-loop context, not " + context.threadingModel());
    }
    this.context = context;
    return this;
  }

  public Optional<Context> getContext() {
    return Optional.ofNullable(context);
  }

  /**
   * How long the server gets to finish its current callback and run {@code terminate} when it is
   * shut down from outside (its verticle undeployed, its host context closed, Vert.x closing);
   * after that it is killed. {@link #DEFAULT_SHUTDOWN_TIMEOUT} unless set; a supervisor's default
   * is {@link GenServer#INFINITY}, since it bounds its children's shutdown itself. A supervisor
   * stopping its child uses the child spec's shutdown instead.
   */
  public StartOptions setShutdownTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("shutdown timeout must not be negative: " + timeout);
    }
    this.shutdownTimeout = timeout;
    return this;
  }

  /** The shutdown timeout set with {@link #setShutdownTimeout}, if any. */
  public Optional<Duration> getShutdownTimeout() {
    return Optional.ofNullable(shutdownTimeout);
  }

  /**
   * Bounds the server's mailbox to {@code limit} messages (0, the default, is unbounded, as in
   * OTP). Past it, a call fails at once with {@link CallFailure#OVERLOADED} and a cast or info from
   * another sender is dropped and counted ({@code Sys.statistics}, {@link NodeStats#dropped()},
   * metrics). What the server needs to stay in control always gets in: its own timers, the Downs
   * of its monitors, stop and {@code sys} requests. A call's place is free again as soon as the
   * server takes it; the places of casts and infos are given back a few at a time (up to
   * {@code limit / 8 - 1} of them wait, never more than 63), so while the server works through a
   * run of them a sender may be refused that many messages early.
   */
  public StartOptions setMailboxLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("a mailbox limit must not be negative: " + limit);
    }
    this.mailboxLimit = limit;
    return this;
  }

  /** The mailbox limit, 0 for none. */
  public int getMailboxLimit() {
    return mailboxLimit;
  }

  /**
   * Whether plain Vert.x programs on this node can reach the server at its own event-bus address,
   * {@link ServerRef#address()} (true by default). With {@code false} the server registers no
   * consumer there, which saves about 450 bytes per server and more than half of a co-located
   * start: for programs that run very many small servers and reach them only through the toolkit. Calls,
   * casts, sends, monitors and timers by ref or by name work as before, and a named server
   * stays reachable at its name's address; a plain send to its own address fails with
   * {@code NO_HANDLERS}, as to a server that is gone.
   */
  public StartOptions setOwnAddress(boolean ownAddress) {
    this.ownAddress = ownAddress;
    return this;
  }

  /** Whether the server registers a consumer at its own address; see {@link #setOwnAddress}. */
  public boolean hasOwnAddress() {
    return ownAddress;
  }

  /**
   * Fences the server with {@code lease}: it runs {@code init} and handles each message only while
   * the lease is valid. Once the lease lapses the server handles nothing more and exits at once, as
   * killed (without {@code terminate}, since what terminate would do, such as writing its state
   * back, is no longer its to do), with the orderly reason {@code {shutdown, lease_lapsed}}
   * ({@link Lease#LAPSED}): its callers fail at once, its monitors hear of it, its timers are
   * cancelled, its name is free. It exits even when idle, as soon as the lease tells it changed.
   * This is how a cluster singleton keeps a node that was paused or cut off from acting beside its
   * successor; the one window is a callback already running when the lease lapses. A supervisor
   * started with a lease starts its children under the same lease, so a whole tree is fenced; put
   * a fenced server under a fenced supervisor (a plain one restarts it into the lapsed lease until
   * its restart intensity is spent).
   */
  public StartOptions setLease(Lease lease) {
    this.lease = Objects.requireNonNull(lease, "lease");
    return this;
  }

  /** The lease set with {@link #setLease}, if any. */
  public Optional<Lease> getLease() {
    return Optional.ofNullable(lease);
  }
}
