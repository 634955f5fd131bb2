package org.vertxotp.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import org.vertxotp.cluster.impl.Members;
import org.vertxotp.cluster.impl.NameView;
import org.vertxotp.cluster.impl.RetriedWork;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/**
 * Registered names shared by every member of a Hazelcast cluster, in the {@code IMap}
 * {@value #MAP} (name to holder). A register is one {@code putIfAbsent} on the partition that
 * owns the name, so of two nodes racing for a free name exactly one wins. This is Hazelcast's AP
 * map, not its CP subsystem: while the cluster is split, each side can hand out a name. When the
 * sides merge, the map keeps one holder per name (Hazelcast's merge policy: the side that merges
 * into the other loses its entries where the other has one). Then every member, on either side,
 * checks the names it claimed: one now held by another goes to the conflict resolver
 * ({@link #onConflict}), one the map lost (a paused member may run a release of its own names
 * after it resumes) is claimed again. The first write of a name decides, so the sides agree.
 *
 * <p>A name is released when its holder unregisters it, and when the holder's node leaves the
 * cluster (closed or lost): every member, when it hears that a member left, removes that node's
 * names; one such removal succeeds. A register that finds the name held by a node this member saw
 * leave takes it at once rather than wait for that. Every member hears of every
 * release once, through the map's entry listener. Map operations run on Vert.x worker threads,
 * never on an event loop.
 *
 * <p>Each member also keeps a copy of the table ({@link #lastKnownHolder}), kept current by the
 * map's events and reloaded whenever a member joins, leaves or merges: messages are routed by it
 * without waiting on the member that owns a name's partition (which may be dying). The copy may
 * lag: it can name a holder released a moment ago (a message to it is lost, as one to a process
 * that just exited is), or lack a name registered a moment ago (the router then reads the map);
 * during a split it knows this side's holders only. {@link #whereis} reads the map itself.
 */
public final class HazelcastNameRegistry implements NameRegistry, io.vertx.core.shareddata.Shareable {

  /** The map that holds the names. */
  public static final String MAP = "genserver.names";

  private static final String LOCAL_MAP = "org.vertxotp.cluster";
  private static final String LOCAL_KEY = "names";

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");
  /** How often a check of the claims is tried, 1, 2, 4 … up to 30 s apart: waits of three and a half minutes in all. */
  private static final int CHECK_TRIES = 12;
  private static final long CHECK_BACKOFF_CAP_MILLIS = 30_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> holders;
  private final List<Handler<Released>> listeners = new CopyOnWriteArrayList<>();
  private final UUID entryListener;
  private final UUID membershipListener;
  private final UUID lifecycleListener;
  /** The names registered through this registry and not released: the ones to check after a merge. */
  private final Map<ServerName, ServerRef> claimedHere = new ConcurrentHashMap<>();
  private volatile Handler<NameConflict> onConflict = conflict -> { };
  /**
   * Nodes this member saw leave, until their names are released: their names are free meanwhile,
   * whatever the map still says. An id goes once its names are released (or the node is back), so
   * the set holds the departures in progress, not every one ever seen.
   */
  private final java.util.Set<String> departed = ConcurrentHashMap.newKeySet();
  /** The check of the claims after the cluster changed. */
  private final RetriedWork checks;
  private volatile long refreshTimer = -1;
  /** How often the copy is read whole anyway: entry events are fire-and-forget, and one lost would stay lost. */
  private static final long REFRESH_MILLIS = 120_000;
  /** Striped by name: a check's claim of a name (write) never interleaves with an unregister of it (read). */
  private final ReadWriteLock[] nameLocks = new ReadWriteLock[64];
  private final NameView view = new NameView();
  /** The reload of the view after the cluster changed, and now and then. */
  private final RetriedWork reloads;

  private HazelcastNameRegistry(Vertx vertx, HazelcastInstance hazelcast) {
    Arrays.setAll(nameLocks, i -> new ReentrantReadWriteLock());
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.holders = hazelcast.getMap(MAP);
    // Before the listeners, which ask for them at once.
    this.checks = new RetriedWork(vertx, this::resolveConflicts, CHECK_TRIES, CHECK_BACKOFF_CAP_MILLIS,
        () -> hazelcast.getLifecycleService().isRunning(), (attempt, next, cause) -> {
          if (next < 0) {
            LOG.log(System.Logger.Level.ERROR, "gave up checking the names of this node after the cluster changed: a name"
                + " it lost in a merge may still run here too", cause);
          } else {
            LOG.log(attempt == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "could not check the names"
                + " of this node after the cluster changed; checking again in " + next + " ms", cause);
          }
        });
    this.reloads = new RetriedWork(vertx, () -> {
      reloadViewNow();
      return null;
    }, CHECK_TRIES, CHECK_BACKOFF_CAP_MILLIS, () -> hazelcast.getLifecycleService().isRunning(),
        (attempt, next, cause) -> LOG.log(System.Logger.Level.DEBUG, "could not reload the names (attempt " + attempt
            + "); they follow the map's events" + (next < 0 ? "" : ", and a reload is tried again in " + next + " ms"),
            cause));
    this.entryListener = holders.addEntryListener(new Changes(), true);
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        departed.remove(Members.nodeId(event.getMember())); // back (a split healed): its names are its own again
        reloadView(); // a merge's changes to the table may come without events
        // A split that heals joins the other side's members to this one, and only the side that merges is
        // told MERGED: this side checks its names too (a paused member, say, may have run a stale release of them).
        checkClaims();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String gone = Members.nodeId(event.getMember());
        departed.add(gone);
        reloadView(); // the events of partitions it owned may have gone with it
        // A node back meanwhile (a split healed) keeps its names: its servers run.
        releaseNamesOf(com.hazelcast.query.Predicates.like("this", gone + "/%"),
            holder -> holder.node().equals(gone) && !isMember(gone))
            .onSuccess(released -> departed.remove(gone)) // nothing of it is left in the map
            .onFailure(e -> {
              if (!hazelcast.getLifecycleService().isRunning()) {
                return; // this member is going too: the members that stay release them
              }
              LOG.log(System.Logger.Level.WARNING, "could not release the names of node " + gone + ", which left the cluster", e);
            });
      }
    });
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        reloadView();
        checkClaims();
      }
    });
  }

  /**
   * Resolves the conflicts of the names claimed here, on a worker thread (it waits on the map). One
   * check at a time; a change during one makes it run once more. A check the map fails is tried
   * again after a backoff: on the side merged into, a member joining is the only sign of a merge.
   */
  private void checkClaims() {
    if (!claimedHere.isEmpty()) {
      checks.request();
    }
  }

  /**
   * Reads the whole table into the view, on a worker thread, one reload at a time (a change of the
   * cluster during one makes it run once more), tried again after a backoff when the map fails:
   * events lost with a departed member stay lost until a reload succeeds.
   */
  private void reloadView() {
    reloads.request();
  }

  /** Reads the whole table into the view. Blocking. */
  private void reloadViewNow() {
    long mark = view.readBegins();
    Map<String, String> snapshot = null;
    try {
      snapshot = Map.copyOf(holders);
    } finally {
      if (snapshot == null) {
        view.readEnds(mark);
      }
    }
    view.reloaded(mark, snapshot);
  }

  /**
   * Says who decides what becomes of a server that lost its name when a split cluster merged
   * (see {@link NameConflict}); by default nobody, and {@link GenServerCluster} installs the
   * policy that stops it.
   */
  public void onConflict(Handler<NameConflict> resolver) {
    this.onConflict = java.util.Objects.requireNonNull(resolver, "resolver");
  }

  /**
   * After a merge, this member's side of the split may have lost names: the merged table keeps,
   * for each name, the holder of the side it merged into. Each name claimed here whose holder is
   * now another is a conflict; each one the table no longer has is claimed again. Run by both
   * sides, whichever sees the merge first: the table decides, so they agree on who keeps a name.
   */
  private Void resolveConflicts() {
    Map<ServerName, ServerRef> claims = Map.copyOf(claimedHere);
    Map<String, String> table = holders.getAll(claims.keySet().stream().map(ServerName::name).collect(Collectors.toSet()));
    for (Map.Entry<ServerName, ServerRef> claimed : claims.entrySet()) {
      ServerName name = claimed.getKey();
      ServerRef mine = claimed.getValue();
      ServerRef holder;
      Lock claiming = lockOf(name).writeLock(); // an unregister of it waits: a name being released is never claimed back
      claiming.lock();
      try {
        if (!mine.equals(claimedHere.get(name))) {
          continue; // unregistered meanwhile
        }
        String held = table.get(name.name());
        if (held == null || isGone(held)) {
          held = claim(name, encode(mine));
        }
        holder = decode(held);
        if (holder == null || holder.equals(mine) || !claimedHere.remove(name, mine)) {
          continue;
        }
      } finally {
        claiming.unlock();
      }
      NameConflict conflict = new NameConflict(name, holder, mine);
      try {
        onConflict.handle(conflict);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "the name conflict resolver failed for " + conflict, e);
      }
    }
    return null;
  }

  private ReadWriteLock lockOf(ServerName name) {
    return nameLocks[Math.floorMod(name.hashCode(), nameLocks.length)];
  }

  /**
   * Puts {@code value} as the holder of {@code name} unless it has one: the holder it has, or null
   * if the name is now {@code value}'s. A holder whose node this member saw leave, and which is not
   * back, does not count: its release has not happened yet, and the name is free, as it will be in
   * a moment. Blocking.
   */
  private String claim(ServerName name, String value) {
    String held = holders.putIfAbsent(name.name(), value);
    if (held != null && isGone(held) && holders.remove(name.name(), held)) {
      held = holders.putIfAbsent(name.name(), value);
    }
    return held;
  }

  private boolean isGone(String held) {
    ServerRef holder = decode(held);
    return holder != null && departed.contains(holder.node()) && !isMember(holder.node());
  }

  /**
   * The names of {@code hazelcast}'s cluster, used from {@code vertx} (whose worker threads run
   * the map's operations). Completes once the names of nodes that left before this member
   * listened are released.
   */
  public static Future<HazelcastNameRegistry> create(Vertx vertx, HazelcastInstance hazelcast) {
    // Registering its listeners waits on every member: a worker thread's work, never an event loop's.
    return vertx.executeBlocking(() -> {
          HazelcastNameRegistry registry = new HazelcastNameRegistry(vertx, hazelcast);
          registry.reloadViewNow(); // after the listener is in place: no change falls between the two
          registry.refreshTimer = vertx.setPeriodic(REFRESH_MILLIS, REFRESH_MILLIS, timer -> registry.reloadView());
          return registry;
        }, false)
        .compose(registry -> registry.releaseNamesOf(com.hazelcast.query.Predicates.alwaysTrue(),
            holder -> !registry.isMember(holder.node())).map(registry));
  }

  @Override
  public Future<Optional<ServerRef>> register(ServerName name, ServerRef holder) {
    String value = encode(holder);
    return vertx.executeBlocking(() -> {
      String held = claim(name, value);
      if (held == null) {
        claimedHere.put(name, holder); // the copy hears of it from the map: this node routes its own names locally
      }
      return Optional.ofNullable(decode(held));
    }, false);
  }

  @Override
  public Future<Void> unregister(ServerName name, ServerRef holder) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return Future.succeededFuture(); // this member is out of the cluster: the others released its names when it left
    }
    claimedHere.remove(name, holder);
    String value = encode(holder);
    return vertx.executeBlocking(() -> {
      Lock releasing = lockOf(name).readLock(); // unregisters do not wait for each other, only for a check's claim
      releasing.lock();
      try {
        holders.remove(name.name(), value);
        view.released(name.name(), value);
      } finally {
        releasing.unlock();
      }
      return null;
    }, false);
  }

  /** Reads the map itself; what it finds is kept in this member's copy unless the copy heard newer meanwhile. */
  @Override
  public Future<Optional<ServerRef>> whereis(ServerName name) {
    long mark = view.readBegins();
    Future<String> read;
    try {
      read = Future.fromCompletionStage(holders.getAsync(name.name()));
    } catch (RuntimeException e) {
      view.readEnds(mark);
      return Future.failedFuture(e);
    }
    return read.andThen(ar -> {
      if (ar.succeeded()) {
        view.learned(name.name(), ar.result(), mark);
      } else {
        view.readEnds(mark);
      }
    }).map(value -> Optional.ofNullable(decode(value)));
  }

  /** The holder in this member's copy of the table, without waiting; see the class description for what it may lag. */
  @Override
  public Optional<ServerRef> lastKnownHolder(ServerName name) {
    return Optional.ofNullable(view.holder(name.name()));
  }

  @Override
  public boolean knownFree(ServerName name) {
    return view.knownFree(name.name());
  }

  @Override
  public void holderGone(ServerName name, ServerRef holder) {
    view.released(name.name(), encode(holder));
  }

  /** The registry {@link GenServerCluster#join} installed on {@code vertx}, if any. */
  static HazelcastNameRegistry installedOn(Vertx vertx) {
    return (HazelcastNameRegistry) vertx.sharedData().getLocalMap(LOCAL_MAP).get(LOCAL_KEY);
  }

  /** Kept where {@link #installedOn} finds it. */
  void keepOn(Vertx vertx) {
    vertx.sharedData().getLocalMap(LOCAL_MAP).put(LOCAL_KEY, this);
  }

  /** How many releases this member's copy keeps as tombstones: for tests that it keeps none once reads are over. */
  int viewTombstones() {
    return view.tombstones();
  }

  @Override
  public void onRelease(Handler<Released> listener) {
    listeners.add(listener);
  }

  @Override
  public boolean spansNodes() {
    return true;
  }

  /** How many departed nodes' names are still being released: for tests that the set does not grow. */
  int departuresInProgress() {
    return departed.size();
  }

  /** Stops listening to the cluster; names it holds stay until their servers stop or the node leaves. Blocking. */
  public void close() {
    checks.close();
    reloads.close();
    vertx.cancelTimer(refreshTimer);
    vertx.sharedData().getLocalMap(LOCAL_MAP).remove(LOCAL_KEY, this);
    holders.removeEntryListener(entryListener);
    hazelcast.getCluster().removeMembershipListener(membershipListener);
    hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
  }

  private boolean isMember(String node) {
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (Members.nodeId(member).equals(node)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes every name among those {@code candidates} selects whose holder is {@code gone}; where
   * several members try, one removal wins, and every member hears of it once.
   */
  private Future<Void> releaseNamesOf(com.hazelcast.query.Predicate<String, String> candidates,
                                      java.util.function.Predicate<ServerRef> gone) {
    return vertx.executeBlocking(() -> {
      for (Map.Entry<String, String> entry : holders.entrySet(candidates)) {
        ServerRef holder = decode(entry.getValue());
        if (holder != null && gone.test(holder)) {
          holders.remove(entry.getKey(), entry.getValue());
        }
      }
      return null;
    }, false);
  }

  /** Keeps the view current, and tells the release listeners. */
  private final class Changes implements EntryAddedListener<String, String>, EntryRemovedListener<String, String>,
      EntryEvictedListener<String, String>, EntryExpiredListener<String, String>, EntryUpdatedListener<String, String>,
      EntryMergedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      view.held(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      released(event);
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      released(event);
    }

    @Override
    public void entryExpired(EntryEvent<String, String> event) {
      released(event);
    }

    /** A name only changes holder in place when a merge says so: the old holder lost it. */
    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      view.held(event.getKey(), event.getValue());
      if (event.getOldValue() != null && !event.getOldValue().equals(event.getValue())) {
        released(event);
      }
    }

    @Override
    public void entryMerged(EntryEvent<String, String> event) {
      if (event.getValue() != null) {
        view.held(event.getKey(), event.getValue());
      }
      if (event.getOldValue() != null && !event.getOldValue().equals(event.getValue())) {
        released(event);
      }
    }
  }

  private void released(EntryEvent<String, String> event) {
    ServerRef holder = decode(event.getOldValue());
    if (holder == null) {
      return;
    }
    if (event.getValue() == null) { // removed, not replaced
      view.released(event.getKey(), event.getOldValue());
    }
    Released released = new Released(ServerName.of(event.getKey()), holder);
    for (Handler<Released> listener : listeners) {
      try {
        listener.handle(released);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "a name release listener failed for " + event.getKey(), e);
      }
    }
  }

  private static String encode(ServerRef ref) {
    return NameView.encode(ref);
  }

  private static ServerRef decode(String value) {
    return NameView.decode(value);
  }
}
