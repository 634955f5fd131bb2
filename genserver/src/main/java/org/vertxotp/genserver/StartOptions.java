package org.vertxotp.genserver;

import io.vertx.core.Context;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code GenServer.start} starts a server: its registered name and where it runs.
 *
 * <h2>Placement</h2>
 * By default a server is deployed as its own verticle, on its own context and an event loop
 * that Vert.x picks. A round trip between two event loops costs a thread wake-up each way (tens
 * of microseconds); a call between handlers on one event loop costs about a microsecond. Where a
 * server is called mostly by one verticle, {@link #setContext(Context)} runs it on that
 * verticle's context instead: the server then shares the context's event loop and its lifetime
 * (it stops with {@link ExitReason#shutdown()} when that context's verticle is undeployed), and
 * it is not a separate deployment.
 */
public final class StartOptions {

  private ServerName name;
  private Context context;

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
}
