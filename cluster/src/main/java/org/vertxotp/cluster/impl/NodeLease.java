package org.vertxotp.cluster.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vertxotp.genserver.Lease;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * This node's lease on its share of the cluster's work: valid while the node has, recently,
 * heard from a majority of the members it last saw that they count it as a member
 * ({@link LeaseQuorum}). A node that work is spread over (delivery workers) runs it only while its
 * lease is valid, so that a node that was paused (a long GC, a frozen VM) or cut off stops before
 * the others take its work over, and a node on the minority side of a split stops instead of
 * waiting for the merge.
 *
 * <p>Every {@link #RENEW_DIVISOR}th of the lease the node asks every other member; the lease is
 * valid until {@value #MARGIN_PERCENT}% short of a lease after the start of the last round that
 * confirmed it, on this node's monotonic clock (the margin is for clocks that run at different
 * rates). A member that answered yes had the node as a member then; so once the others see it
 * leave, it has at most a lease left, and they wait {@link #quarantine()} before they run what it
 * ran. After a pause longer than the lease, the node finds its lease lapsed the moment it runs
 * again, before anything it had due goes out.
 */
public final class NodeLease implements Lease {

  /** The lease unless {@value #LEASE_PROPERTY} says otherwise. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(2);
  /**
   * The system property that sets the lease, in milliseconds (at least 100). Give every node the
   * same: a node waits its own quarantine for another's lease to lapse.
   */
  public static final String LEASE_PROPERTY = "vertx-otp.lease.millis";
  static final int RENEW_DIVISOR = 4;
  static final int MARGIN_PERCENT = 10;
  private static final String ADDRESS_PREFIX = "genserver.lease.";
  /** The header of a node's message that it leaves in good order. */
  private static final String LEAVING = "leaving";
  private static final Map<Vertx, NodeLease> SHARED = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String self;
  private final long leaseNanos;
  private final Context context;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private MessageConsumer<String> answers;
  private long timer;
  /** When the last round that confirmed the lease began (System.nanoTime), or none yet. */
  private volatile long confirmedAt;
  private volatile boolean everConfirmed;
  /** Whether every member that runs the toolkit has, once, answered that it counts this node. */
  private volatile boolean known;
  /** Confined to {@link #context}. */
  private List<String> reference = List.of();
  /** Nodes that said they leave in good order: never a voter again (a node's id is new with each start). */
  private final Set<String> left = new HashSet<>();
  /** When this lease was made (System.nanoTime). */
  private final long madeAt = System.nanoTime();
  private boolean asking;
  private boolean toldValid;

  private NodeLease(Vertx vertx, HazelcastInstance hazelcast, Duration lease) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.self = RemoteNodes.nodeId(vertx);
    this.leaseNanos = lease.toNanos();
    this.context = ClusterInternals.newContext(vertx);
  }

  /** This node's lease (one per Vert.x, asking from its first use until Vert.x closes). */
  public static NodeLease of(Vertx vertx, HazelcastInstance hazelcast) {
    return SHARED.computeIfAbsent(vertx, v -> {
      NodeLease lease = new NodeLease(vertx, hazelcast, configured());
      lease.context.runOnContext(x -> lease.start());
      ClusterInternals.onClose(vertx, () -> {
        SHARED.remove(vertx, lease);
        return lease.stop();
      });
      return lease;
    });
  }

  private static Duration configured() {
    String millis = System.getProperty(LEASE_PROPERTY);
    if (millis == null || millis.isBlank()) {
      return DEFAULT_LEASE;
    }
    long lease;
    try {
      lease = Long.parseLong(millis.trim());
    } catch (NumberFormatException e) {
      lease = -1;
    }
    if (lease < 100) {
      throw new IllegalArgumentException(LEASE_PROPERTY + " must be a whole number of milliseconds, 100 or more: " + millis);
    }
    return Duration.ofMillis(lease);
  }

  private void start() {
    answers = vertx.eventBus().consumer(ADDRESS_PREFIX + self, message -> {
      if (message.headers().contains(LEAVING)) {
        forget(message.body());
        message.reply(true);
      } else {
        message.reply(isMember(message.body()));
      }
    });
    long every = Math.max(1, leaseNanos / RENEW_DIVISOR / 1_000_000);
    timer = vertx.setPeriodic(0, every, id -> {
      tellIfChanged();
      ask();
    });
  }

  /**
   * A node that leaves in good order says so: the others stop counting it among the members they
   * need a majority of at once. Without that, when a majority leaves together (scaling three
   * members down to one), the one that stays would wait for answers from nodes that are gone and
   * never renew. A node that is paused or dies says nothing, and still counts until a renewal
   * without it.
   */
  private void forget(String node) {
    left.add(node);
    if (reference.contains(node)) {
      List<String> without = new ArrayList<>(reference);
      without.remove(node);
      reference = List.copyOf(without);
    }
  }

  private Future<Void> stop() {
    listeners.clear();
    Future<Void> stopped = Future.future(done -> context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      List<Future<?>> told = new ArrayList<>();
      try {
        DeliveryOptions leaving = new DeliveryOptions().addHeader(LEAVING, "true")
            .setSendTimeout(Math.max(1, leaseNanos / (2L * RENEW_DIVISOR) / 1_000_000));
        for (Member member : hazelcast.getCluster().getMembers()) {
          String node = Members.nodeId(member);
          if (!node.equals(self)) {
            told.add(vertx.eventBus().request(ADDRESS_PREFIX + node, self, leaving));
          }
        }
      } catch (Throwable e) { // the others count this node until a renewal without it
        System.getLogger("org.vertxotp.cluster").log(System.Logger.Level.DEBUG, "could not say this node leaves", e);
      }
      // Said before the consumer goes (bounded by the send timeout): the others hear it while this node still answers.
      Future.join(told).onComplete(heard ->
      (answers == null ? Future.<Void>succeededFuture() : answers.unregister()).onComplete(done));
    }));
    return stopped.otherwiseEmpty();
  }

  /** True while this node may run its share of the work. */
  @Override
  public boolean isValid() {
    return everConfirmed && System.nanoTime() - confirmedAt < leaseNanos / 100 * (100 - MARGIN_PERCENT);
  }

  /**
   * Whether every other member that runs the toolkit has counted this node as a member, at least
   * once since it joined. Until then a member that has not heard of it yet refuses its operations
   * (Hazelcast logs such a refusal at SEVERE): a node that just joined waits for this before it
   * sends operations to every member, such as a query of a map.
   */
  public boolean knownToEveryMember() {
    // Bounded: a member that does not answer (paused, say) must not hold this node's work back for
    // long; what waiting avoids is only a log line. Members that run no lease answer "nobody here"
    // and count as knowing it.
    return known || System.nanoTime() - madeAt > 2 * leaseNanos;
  }

  /** How long after the others saw a node leave its lease has surely lapsed: what they wait before they run its work. */
  public Duration quarantine() {
    return Duration.ofNanos(leaseNanos + leaseNanos / 2);
  }

  /**
   * Calls {@code changed} (on any thread) whenever {@link #isValid} changed, until the subscription
   * is cancelled or Vert.x closes.
   */
  @Override
  public Subscription onChange(Runnable changed) {
    Runnable own = changed::run; // an identity of its own: cancelling removes this subscription, not an equal one
    listeners.add(own);
    return () -> listeners.remove(own);
  }

  private boolean isMember(String node) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return false;
    }
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (Members.nodeId(member).equals(node)) {
        return true;
      }
    }
    return false;
  }

  /** One round: asks every other member whether it counts this node; confirms the lease if a majority does. */
  private void ask() {
    if (asking || !hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    asking = true;
    try {
      askAll();
    } catch (RuntimeException e) { // the next round asks again; this one confirmed nothing
      asking = false;
      System.getLogger("org.vertxotp.cluster").log(System.Logger.Level.DEBUG, "a lease round could not ask", e);
    }
  }

  /**
   * One round. It confirms the lease as soon as the answers so far make a quorum (more answers can
   * only add confirmers), so that one member that does not answer (paused, say) does not hold the
   * others' renewals back; each question waits at most an eighth of a lease, so a round is over
   * well before the next begins.
   */
  private void askAll() {
    long began = System.nanoTime();
    List<String> members = new ArrayList<>();
    hazelcast.getCluster().getMembers().forEach(member -> members.add(Members.nodeId(member)));
    left.retainAll(members); // once Hazelcast dropped a node that left, it cannot come back under its id
    members.removeAll(left); // going: neither asked nor counted, whatever round began before it said so
    Set<String> yes = new HashSet<>();
    Set<String> absent = new HashSet<>();
    boolean[] confirmed = {false};
    Runnable decide = () -> {
      if (!confirmed[0] && LeaseQuorum.confirms(self, reference, members, yes, absent)) {
        confirmed[0] = true;
        confirm(began, members, absent);
      }
    };
    List<Future<?>> asked = new ArrayList<>();
    DeliveryOptions within = new DeliveryOptions().setSendTimeout(Math.max(1, leaseNanos / (2L * RENEW_DIVISOR) / 1_000_000));
    for (String member : members) {
      if (member.equals(self)) {
        continue;
      }
      asked.add(vertx.eventBus().<Boolean>request(ADDRESS_PREFIX + member, self, within).onComplete(answer -> {
        if (answer.succeeded() && Boolean.TRUE.equals(answer.result().body())) {
          yes.add(member);
        } else if (answer.failed() && answer.cause() instanceof ReplyException refused
            && refused.failureType() == ReplyFailure.NO_HANDLERS) {
          absent.add(member);
        }
        decide.run();
      }));
    }
    decide.run(); // alone, or a tie it wins by itself
    Future.join(asked).onComplete(all -> {
      asking = false;
      if (yes.size() + absent.size() == asked.size()) {
        known = true;
      }
      tellIfChanged();
    });
  }

  private void confirm(long began, List<String> members, Set<String> absent) {
    confirmedAt = began;
    everConfirmed = true;
    List<String> confirmedView = new ArrayList<>();
    for (String member : members) {
      // Not one that said it leaves since this round began: it would count as a "no" for ever after.
      if (member.equals(self) || (!absent.contains(member) && !left.contains(member))) {
        confirmedView.add(member);
      }
    }
    reference = List.copyOf(confirmedView);
    tellIfChanged();
  }

  private void tellIfChanged() {
    boolean now = isValid();
    if (now == toldValid) {
      return;
    }
    toldValid = now;
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) { // one listener's failure must not keep the others from hearing
        System.getLogger("org.vertxotp.cluster").log(System.Logger.Level.WARNING, "a lease listener failed", e);
      }
    }
  }
}
