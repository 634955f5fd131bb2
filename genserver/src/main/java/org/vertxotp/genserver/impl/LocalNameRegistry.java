package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/**
 * The names of one node, in a concurrent map: a register is one {@code putIfAbsent}, so it is
 * atomic, and every future is already complete when it is returned.
 */
public final class LocalNameRegistry implements NameRegistry {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.genserver");

  private final ConcurrentHashMap<ServerName, ServerRef> holders = new ConcurrentHashMap<>();
  private final List<Handler<Released>> listeners = new CopyOnWriteArrayList<>();

  @Override
  public Future<Optional<ServerRef>> register(ServerName name, ServerRef holder) {
    return Future.succeededFuture(Optional.ofNullable(holders.putIfAbsent(name, holder)));
  }

  @Override
  public Future<Void> unregister(ServerName name, ServerRef holder) {
    if (holders.remove(name, holder)) {
      Released released = new Released(name, holder);
      for (Handler<Released> listener : listeners) {
        try {
          listener.handle(released);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "a name release listener failed for " + name, e);
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Optional<ServerRef>> whereis(ServerName name) {
    return Future.succeededFuture(Optional.ofNullable(holders.get(name)));
  }

  @Override
  public void onRelease(Handler<Released> listener) {
    listeners.add(listener);
  }
}
