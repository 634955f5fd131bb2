package org.vertxotp.genserver.supervisor;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;

/**
 * One child of a supervisor (OTP's child spec): its id, how it starts, when it is restarted, how
 * long it gets to stop, and an optional registered name that a restart takes back. Immutable;
 * the {@code with*} methods return copies.
 *
 * <p>Defaults as in OTP: {@link Restart#PERMANENT}; shutdown 5 s for a worker and infinity for a
 * supervisor. A shutdown of {@link Duration#ZERO} is OTP's {@code brutal_kill}.
 */
public final class ChildSpec {

  /** OTP's default shutdown for a worker. */
  public static final Duration DEFAULT_WORKER_SHUTDOWN = Duration.ofSeconds(5);
  /** Shutdown meaning: kill at once, without terminate. */
  public static final Duration BRUTAL_KILL = Duration.ZERO;

  private final String id;
  private final ChildStart start;
  private final Restart restart;
  private final Duration shutdown;
  private final ServerName name;

  private ChildSpec(String id, ChildStart start, Restart restart, Duration shutdown, ServerName name) {
    this.id = Objects.requireNonNull(id, "id");
    this.start = Objects.requireNonNull(start, "start");
    this.restart = Objects.requireNonNull(restart, "restart");
    this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
    if (shutdown.isNegative()) {
      throw new IllegalArgumentException("shutdown must not be negative: " + shutdown);
    }
    this.name = name;
  }

  /** A child started by {@code start}. */
  public static ChildSpec of(String id, ChildStart start) {
    return new ChildSpec(id, start, Restart.PERMANENT, DEFAULT_WORKER_SHUTDOWN, null);
  }

  /** A gen_server child: each (re)start runs a fresh server from {@code server} with {@code args}. */
  public static <A> ChildSpec worker(String id, Supplier<? extends GenServer<A, ?>> server, A args) {
    return of(id, (vertx, options, ignored) -> GenServer.start(vertx, server.get(), args, options));
  }

  /**
   * The template of a dynamic supervisor's children: each {@link Supervisor#startDynamicChild}
   * runs a fresh server with the args it was given.
   */
  @SuppressWarnings("unchecked")
  public static <A> ChildSpec dynamicWorker(String id, Supplier<? extends GenServer<A, ?>> server) {
    return of(id, (vertx, options, args) -> GenServer.start(vertx, server.get(), (A) args, options));
  }

  /** A child that is itself a supervisor; its shutdown defaults to infinity. */
  public static ChildSpec supervisor(String id, SupervisorSpec spec) {
    return new ChildSpec(id, (vertx, options, ignored) -> Supervisor.start(vertx, spec, options),
        Restart.PERMANENT, GenServer.INFINITY, null);
  }

  public ChildSpec withRestart(Restart restart) {
    return new ChildSpec(id, start, restart, shutdown, name);
  }

  /** Time the child gets to run terminate before it is killed; {@link #BRUTAL_KILL} kills at once. */
  public ChildSpec withShutdown(Duration shutdown) {
    return new ChildSpec(id, start, restart, shutdown, name);
  }

  /** Registers the child under {@code name}; every restart takes the name back. */
  public ChildSpec withName(String name) {
    return new ChildSpec(id, start, restart, shutdown, ServerName.of(name));
  }

  public String id() {
    return id;
  }

  public ChildStart start() {
    return start;
  }

  public Restart restart() {
    return restart;
  }

  public Duration shutdown() {
    return shutdown;
  }

  public Optional<ServerName> name() {
    return Optional.ofNullable(name);
  }

  @Override
  public String toString() {
    return "child " + id + (name == null ? "" : " (" + name + ")") + ", " + restart;
  }
}
