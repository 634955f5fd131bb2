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
 * The servers of this node and how they are found: by reference, by a name one of them holds
 * (a local index kept beside the authoritative {@link org.vertxotp.genserver.spi.NameRegistry}),
 * and by the context of a server deployed as its own verticle. A server is reachable from the
 * moment its start claimed its name until its exit begins, and counted (live) until its exit is
 * complete.
 */
final class ServerTable {

  private final ConcurrentHashMap<ServerRef, ServerProcess> byRef = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ServerName, ServerProcess> byName = new ConcurrentHashMap<>();
  /** Contexts that belong to one server alone (its own verticle's): continuations there run for it. */
  private final ConcurrentHashMap<Context, ServerProcess> soleServers = new ConcurrentHashMap<>();
  private final Set<ServerProcess> live = ConcurrentHashMap.newKeySet();

  /** A new server, its name (if any) already claimed in the name registry. */
  void add(ServerProcess process) {
    if (process.name() != null) {
      byName.put(process.name(), process);
    }
    byRef.put(process.ref(), process);
    live.add(process);
  }

  /** The server can no longer be reached; idempotent. */
  void forget(ServerProcess process) {
    byRef.remove(process.ref(), process);
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

  /** Makes the server {@code child} refers to (if it still runs) a child of {@code supervisor}. */
  void link(ServerProcess supervisor, ServerRef child) {
    ServerProcess process = byRef.get(child);
    if (process != null) {
      process.joinSupervisor(supervisor);
    }
  }

  /** The local server a destination names now, or null. */
  ServerProcess resolve(Destination destination) {
    if (destination instanceof ServerRef ref) {
      return byRef.get(ref);
    }
    return byName.get((ServerName) destination);
  }

  int servers() {
    return live.size();
  }

  int names() {
    return byName.size();
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
