package org.vertxotp.genserver.impl;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
  /**
   * Servers no longer reachable whose exit is not complete yet: with those in {@code byRef}, the
   * live ones. (A set of every live server would cost an entry per server for what only the
   * count and Vert.x's close need.)
   */
  private final Set<ServerProcess> exiting = ConcurrentHashMap.newKeySet();
  private final AtomicInteger live = new AtomicInteger();

  /** A new server, its name (if any) already claimed in the name registry. */
  void add(ServerProcess process) {
    if (process.name() != null) {
      byName.put(process.name(), process);
    }
    live.incrementAndGet();
    byRef.put(process.ref(), process);
  }

  /** The server can no longer be reached; idempotent. */
  void forget(ServerProcess process) {
    if (byRef.get(process.ref()) == process) {
      exiting.add(process); // before it leaves byRef: roots() walks byRef, then exiting, and must find it in one
      byRef.remove(process.ref(), process);
    }
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
    if (exiting.remove(process)) {
      live.decrementAndGet();
    }
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
    return live.get();
  }

  int names() {
    return byName.size();
  }


  /** Servers whose exit is not complete: the reachable ones, and those whose exit is under way. */
  List<ServerProcess> unstopped() {
    Set<ServerProcess> unstopped = new LinkedHashSet<>(byRef.values()); // one moving to exiting may be seen in both
    unstopped.addAll(exiting);
    return new ArrayList<>(unstopped);
  }

  /** Servers not linked to a supervisor: stopping them stops everything, trees in order. */
  List<ServerProcess> roots() {
    Set<ServerProcess> roots = new LinkedHashSet<>(); // one moving from byRef to exiting may be seen in both
    for (ServerProcess process : byRef.values()) {
      if (process.isRoot()) {
        roots.add(process);
      }
    }
    for (ServerProcess process : exiting) {
      if (process.isRoot()) {
        roots.add(process);
      }
    }
    return new ArrayList<>(roots);
  }
}
