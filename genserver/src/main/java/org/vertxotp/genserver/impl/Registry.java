package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;

/**
 * Which servers exist in one Vert.x instance and how they are found: by reference, by registered
 * name, and by the context of a server deployed as its own verticle. A server is reachable from
 * the moment its start claims its name until its exit begins, and counted (live) until its exit
 * is complete.
 */
final class Registry {

  private final ConcurrentHashMap<String, ServerProcess> byAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ServerName, ServerProcess> byName = new ConcurrentHashMap<>();
  /** Contexts that belong to one server alone (its own verticle's): continuations there run for it. */
  private final ConcurrentHashMap<Context, ServerProcess> soleServers = new ConcurrentHashMap<>();
  private final Set<ServerProcess> live = ConcurrentHashMap.newKeySet();

  /** Registers a new server; returns the holder of its name if that is taken (and registers nothing). */
  ServerProcess register(ServerProcess process) {
    if (process.name() != null) {
      ServerProcess holder = byName.putIfAbsent(process.name(), process);
      if (holder != null) {
        return holder;
      }
    }
    byAddress.put(process.ref().address(), process);
    live.add(process);
    return null;
  }

  /** The server can no longer be reached; idempotent. */
  void forget(ServerProcess process) {
    byAddress.remove(process.ref().address(), process);
    if (process.name() != null) {
      byName.remove(process.name(), process);
    }
    Context context = process.context();
    if (context != null) {
      soleServers.remove(context, process);
    }
  }

  /** The server's exit is complete. */
  void gone(ServerProcess process) {
    live.remove(process);
  }

  void soleServer(Context context, ServerProcess process) {
    soleServers.put(context, process);
  }

  ServerProcess soleServerOf(Context context) {
    return soleServers.get(context);
  }

  ServerProcess resolve(Destination destination) {
    if (destination instanceof ServerRef ref) {
      return byAddress.get(ref.address());
    }
    return byName.get((ServerName) destination);
  }

  int servers() {
    return live.size();
  }

  int names() {
    return byName.size();
  }

  boolean isEmpty() {
    return live.isEmpty();
  }

  /** Servers not linked to a supervisor: stopping them stops everything, trees in order. */
  List<ServerProcess> roots() {
    List<ServerProcess> roots = new ArrayList<>();
    for (ServerProcess process : live) {
      if (process.isRoot()) {
        roots.add(process);
      }
    }
    return roots;
  }
}
