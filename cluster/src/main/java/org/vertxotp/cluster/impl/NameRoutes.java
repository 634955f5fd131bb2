package org.vertxotp.cluster.impl;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/**
 * Where names held on other nodes are, learnt from the name registry and forgotten when the
 * registry releases them, when the holder's node leaves, or when a message finds the holder gone.
 * Messages to one name are handed on in the order they were given, even while the holder is being
 * looked up, as Erlang keeps the order of messages between two processes.
 */
final class NameRoutes {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");

  private final NameRegistry names;
  private final ConcurrentHashMap<ServerName, Route> routes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  NameRoutes(NameRegistry names) {
    this.names = names;
    names.onRelease(released -> {
      if (!closed) {
        forget(released.name(), released.holder());
      }
    });
  }

  /** A name's known holder, and what waits for a lookup of it; guarded by itself. */
  private static final class Route {
    ServerRef holder;
    boolean lookingUp;
    /** Set when the holder was forgotten while a lookup ran: its answer may predate the release, and is not kept. */
    boolean staleLookup;
    /** Set once the route left the map: an action must take the route that is there now. */
    boolean retired;
    final ArrayDeque<HolderAction> waiting = new ArrayDeque<>();
  }

  /** What to do with a name's holder once it is known, or when its lookup failed. */
  interface HolderAction {
    /** With the holder, or empty if nobody holds the name. */
    void found(Optional<ServerRef> holder);

    /** The registry could not say who holds the name: by default, as if nobody did (a cast is dropped). */
    default void lookupFailed(Throwable cause) {
      found(Optional.empty());
    }

    /** An action that tells a failed lookup apart from nobody: {@code failed} gets the registry's failure. */
    static HolderAction of(Consumer<Optional<ServerRef>> found, Consumer<Throwable> failed) {
      return new HolderAction() {
        @Override
        public void found(Optional<ServerRef> holder) {
          found.accept(holder);
        }

        @Override
        public void lookupFailed(Throwable cause) {
          failed.accept(cause);
        }
      };
    }
  }

  /**
   * Runs {@code action} with the holder of {@code name} (empty if nobody holds it), after every
   * action given for that name before it. Inline when the holder is known and nothing waits. If
   * the registry cannot say who holds the name, {@code action} hears of that failure, and the next
   * action looks the name up again.
   */
  void withHolder(ServerName name, HolderAction action) {
    while (true) {
      Route route = routes.computeIfAbsent(name, n -> new Route());
      synchronized (route) {
        if (route.retired) {
          continue; // removed from the map meanwhile: its successor keeps the order from here on
        }
        if (route.holder != null && route.waiting.isEmpty()) {
          action.found(Optional.of(route.holder));
          return;
        }
        route.waiting.add(action);
        if (route.lookingUp) {
          return;
        }
        route.lookingUp = true;
        route.staleLookup = false;
      }
      lookUp(name, route);
      return;
    }
  }

  private void lookUp(ServerName name, Route route) {
    Future<Optional<ServerRef>> lookup;
    try {
      lookup = names.whereis(name);
    } catch (RuntimeException e) { // a registry that throws answers "nobody", not "wait for ever"
      lookup = Future.failedFuture(e);
    }
    lookup.onComplete(ar -> {
      synchronized (route) {
        route.lookingUp = false;
        Optional<ServerRef> holder = ar.succeeded() ? ar.result() : Optional.empty();
        // Known before the drain: an action that finds the holder gone forgets it, and its retry waits
        // for a lookup of its own instead of being handed the same answer.
        route.holder = route.staleLookup ? null : holder.orElse(null);
        // Run in order under the lock, only those that waited for this answer: none given meanwhile overtakes them.
        for (int queued = route.waiting.size(); queued > 0; queued--) {
          HolderAction waiting = route.waiting.poll();
          try {
            if (ar.succeeded()) {
              waiting.found(holder);
            } else {
              waiting.lookupFailed(ar.cause());
            }
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "a message to " + name + " failed on its way", e);
          }
        }
        if (!route.waiting.isEmpty() && !route.lookingUp) {
          route.lookingUp = true; // given during the drain, after the holder was forgotten
          route.staleLookup = false;
          lookUp(name, route);
        } else if (route.holder == null && route.waiting.isEmpty() && !route.lookingUp) {
          retire(name, route); // absence is not remembered: the next message looks again
        }
      }
    });
  }

  /** Takes {@code route} out of the map; holding its lock. */
  private void retire(ServerName name, Route route) {
    route.retired = true;
    routes.remove(name, route);
  }

  /** {@code holder} no longer holds {@code name} (released, or found not to): the next message looks it up again. */
  void forget(ServerName name, ServerRef holder) {
    Route route = routes.get(name);
    if (route == null) {
      return;
    }
    synchronized (route) {
      if (route.lookingUp) {
        route.staleLookup = true;
      }
      if (holder.equals(route.holder)) {
        route.holder = null;
        if (!route.lookingUp && route.waiting.isEmpty()) {
          retire(name, route);
        }
      }
    }
  }

  /** The node {@code node} left: none of its servers holds a name any more. */
  void forgetNode(String node) {
    routes.forEach((name, route) -> {
      ServerRef holder;
      synchronized (route) {
        holder = route.holder;
      }
      if (holder != null && holder.node().equals(node)) {
        forget(name, holder);
      }
    });
  }

  /** Forgets every holder (after a merge, the table may say otherwise about any name); order is kept. */
  void forgetAll() {
    routes.forEach((name, route) -> {
      synchronized (route) {
        if (route.lookingUp) {
          route.staleLookup = true;
        }
        route.holder = null;
        if (!route.lookingUp && route.waiting.isEmpty()) {
          retire(name, route);
        }
      }
    });
  }

  /** Stops following the registry. */
  void close() {
    closed = true;
    routes.clear();
  }
}
