package org.vertxotp.genserver.spi;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.impl.LocalNameRegistry;
import org.vertxotp.genserver.impl.Node;

/**
 * The table of registered names (Erlang's {@code register}, or {@code global} across nodes): which
 * server holds which name. A node uses its own table, {@link #local()}, unless a cluster installs
 * one that spans nodes with {@link #install}.
 *
 * <h2>Contract</h2>
 * Every implementation passes {@link org.vertxotp.genserver.testkit.NameRegistryContract}:
 * <ul>
 *   <li>{@link #register} is atomic: of registrations of a free name racing from anywhere,
 *       exactly one succeeds (completes empty); every other completes with the winner.</li>
 *   <li>A name stays with its holder until the holder {@link #unregister}s it or the registry
 *       releases it (a clustered registry does when the holder's node leaves); an unregister by
 *       anyone but the holder changes nothing.</li>
 *   <li>{@link #whereis} sees every register and unregister that completed before it was called.</li>
 *   <li>Release listeners hear of every release once, after it happened, with the name and the
 *       holder that lost it.</li>
 *   <li>Futures fail only when the registry itself cannot answer (its store is unreachable),
 *       never because of a name's state. Methods may be called from any thread.</li>
 * </ul>
 */
public interface NameRegistry {

  /** A new table of names for one node: the default. */
  static NameRegistry local() {
    return new LocalNameRegistry();
  }

  /**
   * Makes {@code registry} the name table of {@code vertx}'s toolkit.
   *
   * @throws IllegalStateException if servers already run there
   */
  static void install(Vertx vertx, NameRegistry registry) {
    Node.of(vertx).useNameRegistry(registry);
  }

  /** Claims {@code name} for {@code holder}: completes empty if it now holds it, or with the holder that does. */
  Future<Optional<ServerRef>> register(ServerName name, ServerRef holder);

  /** Releases {@code name} if {@code holder} holds it; does nothing otherwise. */
  Future<Void> unregister(ServerName name, ServerRef holder);

  /** The holder of {@code name} now, if any. */
  Future<Optional<ServerRef>> whereis(ServerName name);

  /**
   * The holder of {@code name} as this node last heard, without waiting: what messages by name are
   * routed by, as Erlang's {@code global} reads its own copy of the table. Unlike {@link #whereis}
   * it may lag: it can name a holder released a moment ago, or be empty for a name registered a
   * moment ago. Empty means "not known here; ask {@link #whereis}", never "free". By default (a
   * registry that keeps no copy) always empty.
   */
  default Optional<ServerRef> lastKnownHolder(ServerName name) {
    return Optional.empty();
  }

  /**
   * True if this node's copy of the table says nobody holds {@code name} (a read found nobody, or
   * the release was heard), without waiting; it may lag as {@link #lastKnownHolder} does. False if
   * it does not know. By default always false.
   */
  default boolean knownFree(ServerName name) {
    return false;
  }

  /**
   * A message to {@code holder} found it gone (its node said it has no such server, or left):
   * {@link #lastKnownHolder} stops naming it. By default nothing.
   */
  default void holderGone(ServerName name, ServerRef holder) {
  }

  /** Calls {@code listener} after every release of a name, with the name and the holder that lost it. */
  void onRelease(Handler<Released> listener);

  /**
   * True if the table is shared by several nodes: the holder of a name then also listens at
   * {@link ServerName#address()} cluster-wide, so that plain programs on any node reach it.
   */
  default boolean spansNodes() {
    return false;
  }

  /** A name that {@code holder} no longer holds. */
  record Released(ServerName name, ServerRef holder) {}
}
