package org.vertxotp.cluster.delivery;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vertxotp.cluster.impl.ClusterInternals;
import org.vertxotp.cluster.impl.Members;
import org.vertxotp.cluster.impl.NodeLease;
import org.vertxotp.delivery.spi.WorkerPlacement;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * Spreads a delivery service's workers over the members of the Hazelcast cluster that run a part
 * of the service, by rendezvous hashing: a destination's worker belongs on the part whose hash of
 * (node, destination) is highest.
 *
 * <p>Why rendezvous hashing rather than Hazelcast's partition owner: not every member runs every
 * service (a plain Vert.x member, a node that only accepts posts), and a partition
 * owner that runs no part of the service cannot run its workers. Over the parts, rendezvous
 * hashing spreads destinations evenly, needs no table of its own (each node computes it from the
 * set of parts), and when a part joins or leaves moves only the destinations that part gains or
 * loses. The set of parts is a Hazelcast {@code ReplicatedMap} ({@value #PARTS}): read locally,
 * kept current by its events, and each part is counted only while its node is a member.
 *
 * <p>Two nodes may briefly disagree while a part joins or leaves (the map's change reaches each
 * node at its own time); a worker's name is unique among the members, so that costs a retry,
 * not a second worker between members.
 *
 * <p>Fencing: nothing is placed anywhere, as this node sees it, while this node's lease is not
 * valid ({@code NodeLease}: a majority of the members it last saw have lately confirmed they count
 * it as a member), so its workers stop before the others can have taken their destinations over;
 * and a node that left is kept as a candidate for {@code NodeLease#quarantine} (1.5 leases) after
 * this node saw it leave, its destinations placed on nobody meanwhile, so that its workers have
 * surely stopped before another starts them. Attempts already on the wire when a node paused or
 * was cut off may still reach the peer twice.
 */
public final class HazelcastPlacement implements WorkerPlacement {

  /** The replicated map of the parts that run: key service and node, value the node. */
  public static final String PARTS = "genserver.delivery.parts";

  private static final Map<Vertx, HazelcastPlacement> SHARED = new ConcurrentHashMap<>();
  private static final char SEPARATOR = '\u0000';

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String node;
  private final ReplicatedMap<String, String> parts;
  /** The nodes that run a part, by service, as this node last read them (members or not). */
  private final Map<String, Set<String>> partsByService = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final UUID entryListener;
  private final UUID membershipListener;
  /** The node ids of the members now. */
  private volatile Set<String> members;
  /** Nodes that left, until their lease has surely lapsed (System.nanoTime): nobody runs their share meanwhile. */
  private final Map<String, Long> quarantined = new ConcurrentHashMap<>();
  private final NodeLease lease;
  /**
   * Writes this node's entries of the parts map one at a time, in the order asked: a part that
   * leaves and the one that replaces it never have their remove and put overtake each other.
   */
  private final java.util.concurrent.ExecutorService writes;

  private record Listener(String service, Runnable changed) {}

  private HazelcastPlacement(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.node = RemoteNodes.nodeId(vertx);
    this.parts = hazelcast.getReplicatedMap(PARTS);
    this.lease = NodeLease.of(vertx, hazelcast);
    this.writes = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "delivery-placement-writes");
      thread.setDaemon(true);
      return thread;
    });
    this.entryListener = parts.addEntryListener(new com.hazelcast.core.EntryAdapter<String, String>() {
      @Override
      public void onEntryEvent(EntryEvent<String, String> event) {
        reread(event.getKey());
        if (event.getKey().endsWith(SEPARATOR + node) && event.getEventType() == com.hazelcast.core.EntryEventType.REMOVED) {
          sync(event.getKey().substring(0, event.getKey().length() - node.length() - 1)); // another node forgot it: back
        }
      }

      @Override
      public void onMapEvent(MapEvent event) {
        rereadAll();
      }
    });
    // Initial: the members as of the registration, then every change after it, none lost between.
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new com.hazelcast.cluster.InitialMembershipListener() {
      @Override
      public void init(com.hazelcast.cluster.InitialMembershipEvent event) {
        membersChanged(event.getMembers());
      }

      @Override
      public void memberAdded(MembershipEvent event) {
        membersChanged(event.getMembers());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        membersChanged(event.getMembers());
      }
    });
    lease.onChange(() -> {
      if (lease.isValid()) {
        // The others may have forgotten this node's parts while it was cut off.
        listeners.stream().map(Listener::service).distinct().forEach(this::sync);
      }
      tell(null);
    });
    rereadAll();
  }

  /**
   * Puts this node's entry of {@code service} in the parts map if a part of it runs here, else
   * removes it; on the writes thread, so that the last one asked is the one that stays.
   */
  private Future<Void> sync(String service) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    try {
      writes.execute(() -> {
        try {
          if (hazelcast.getLifecycleService().isRunning()) {
            if (runsHere(service)) {
              parts.put(service + SEPARATOR + node, node);
            } else {
              parts.remove(service + SEPARATOR + node);
            }
          }
          done.complete();
        } catch (RuntimeException e) {
          done.fail(e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      done.fail(closed);
    }
    return done.future();
  }

  /**
   * The placement over the members of the cluster {@code vertx} is clustered in (with
   * vertx-hazelcast, joined with {@code GenServerCluster}; it fails otherwise): one per Vert.x
   * instance, made on first use off the event loop, ended when Vert.x closes.
   */
  public static Future<HazelcastPlacement> of(Vertx vertx) {
    if (!org.vertxotp.cluster.GenServerCluster.joined(vertx)) {
      return Future.failedFuture(new IllegalStateException("the toolkit on this Vert.x has not joined the cluster"
          + " (GenServerCluster.start or join): worker names would not be unique across it"));
    }
    return ClusterInternals.onePerVertx(vertx, SHARED, hazelcast -> new HazelcastPlacement(vertx, hazelcast),
        placement -> vertx.executeBlocking(() -> {
          placement.close();
          return null;
        }, false));
  }

  /** Removes this node's entries (so that the others need not wait a quarantine for them), then stops listening. */
  private void close() {
    listeners.clear();
    try {
      writes.submit(() -> removeEntriesOf(node), null).get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) { // the others see this node leave, and forget its entries after a quarantine
      System.getLogger("org.vertxotp.cluster").log(System.Logger.Level.DEBUG, "the placement's entries stay", e);
    }
    writes.shutdown();
    if (hazelcast.getLifecycleService().isRunning()) {
      parts.removeEntryListener(entryListener);
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
  }

  @Override
  public String node() {
    return node;
  }

  @Override
  public Future<AutoCloseable> join(String service, Runnable changed) {
    Listener listener = new Listener(service, changed);
    listeners.add(listener);
    partsByService.computeIfAbsent(service, s -> ConcurrentHashMap.newKeySet()).add(node); // counted here at once
    AutoCloseable leave = () -> {
      if (listeners.remove(listener)) {
        sync(service);
      }
    };
    return sync(service).<AutoCloseable>map(put -> leave).onFailure(e -> {
      try {
        leave.close();
      } catch (Exception ignored) {
        // leave does not throw
      }
    });
  }

  /**
   * Whether a part of {@code service} runs on this node: it joined and has not left (a restarted
   * part may join before the one it replaces has left; each counts).
   */
  private boolean runsHere(String service) {
    return listeners.stream().anyMatch(listener -> listener.service().equals(service));
  }

  @Override
  public java.time.Duration quarantine() {
    return lease.quarantine();
  }

  @Override
  public Optional<String> nodeOf(String service, String destination) {
    if (!lease.isValid()) {
      return Optional.empty(); // cut off, or paused until just now: nothing runs here, and this node cannot say where
    }
    Set<String> running = partsByService.getOrDefault(service, Set.of());
    Set<String> now = members;
    String best = null;
    long bestScore = 0;
    for (String candidate : running) {
      if (!now.contains(candidate) && !quarantined.containsKey(candidate)) {
        continue;
      }
      long score = score(candidate, destination);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0
          || (score == bestScore && candidate.compareTo(best) > 0)) {
        best = candidate;
        bestScore = score;
      }
    }
    // A node that left less than a quarantine ago may still run its share: its destinations wait.
    return best == null || (quarantined.containsKey(best) && !now.contains(best)) ? Optional.empty() : Optional.of(best);
  }

  /** The rendezvous score of {@code node} for {@code destination}: FNV-1a over both, then mixed (SplitMix64's finalizer). */
  static long score(String node, String destination) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : (node + SEPARATOR + destination).getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    hash ^= hash >>> 30;
    hash *= 0xbf58476d1ce4e5b9L;
    hash ^= hash >>> 27;
    hash *= 0x94d049bb133111ebL;
    return hash ^ (hash >>> 31);
  }

  /**
   * Takes the members of a membership event: every node missing from it that was a member is
   * quarantined (whichever event told of it; events may come late), and forgotten as a part once
   * the quarantine is over, unless it came back.
   */
  private synchronized void membersChanged(Set<com.hazelcast.cluster.Member> snapshot) {
    Set<String> now = new HashSet<>();
    snapshot.forEach(member -> now.add(Members.nodeId(member)));
    Set<String> before = members == null ? Set.of() : members;
    long quarantine = lease.quarantine().toMillis();
    for (String gone : before) {
      if (!now.contains(gone) && !gone.equals(node)) {
        Long until = System.nanoTime() + quarantine * 1_000_000;
        quarantined.put(gone, until);
        vertx.setTimer(quarantine, t -> {
          if (quarantined.remove(gone, until)) { // not a later quarantine of the same node (it came back, and left again)
            if (!members.contains(gone)) {
              forget(gone);
            }
            tell(null);
          }
        });
      }
    }
    members = now;
    tell(null);
  }

  /** Forgets the parts of a node that left: any member may, each does (removing twice is harmless). */
  private void forget(String gone) {
    try {
      writes.execute(() -> removeEntriesOf(gone));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // this placement closed: the others forget them
    }
  }

  /** Removes the parts map's entries of {@code someNode}; on the writes thread. */
  private void removeEntriesOf(String someNode) {
    if (hazelcast.getLifecycleService().isRunning()) {
      for (String key : new ArrayList<>(parts.keySet())) {
        if (key.endsWith(SEPARATOR + someNode)) {
          parts.remove(key);
        }
      }
    }
  }

  private synchronized void reread(String key) {
    int at = key.indexOf(SEPARATOR);
    if (at < 0) {
      return;
    }
    String service = key.substring(0, at);
    Set<String> nodes = ConcurrentHashMap.newKeySet();
    for (Map.Entry<String, String> entry : parts.entrySet()) {
      if (entry.getKey().startsWith(service + SEPARATOR)) {
        nodes.add(entry.getValue());
      }
    }
    if (runsHere(service)) {
      nodes.add(node); // a part of this node runs: counted here even before its entry came back
    }
    partsByService.put(service, nodes);
    tell(service);
  }

  private void rereadAll() {
    Set<String> services = new HashSet<>();
    for (String key : parts.keySet()) {
      int at = key.indexOf(SEPARATOR);
      if (at > 0) {
        services.add(key.substring(0, at));
      }
    }
    services.addAll(partsByService.keySet());
    services.forEach(service -> reread(service + SEPARATOR));
  }

  /** Tells the listeners of {@code service} (all, for null) that placement may have changed. */
  private void tell(String service) {
    for (Listener listener : listeners) {
      if (service == null || listener.service().equals(service)) {
        try {
          listener.changed().run();
        } catch (RuntimeException e) { // one listener's failure must not keep the others from hearing
          System.getLogger("org.vertxotp.cluster").log(System.Logger.Level.WARNING, "a placement listener failed", e);
        }
      }
    }
  }
}
