package org.vertxotp.cluster.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * How a node reaches servers on other nodes, and how it lets them reach its own: one
 * cluster-visible consumer per node, at {@value #NODE_ADDRESS_PREFIX}{@code <node id>}, carries
 * every call, cast, info, stop and monitor between toolkits; servers' own addresses stay local.
 *
 * <h2>The node protocol</h2>
 * A request is a {@link JsonObject} whose {@code kind} says what it is:
 * <ul>
 *   <li>{@code call}, {@code stop}, {@code cast}, {@code info}: {@code to} (a {@link ServerRef} or
 *       {@link ServerName} in {@link MessageTypes} form), {@code m} (the message, or for a stop
 *       the reason, in that form) and, for a call or stop, {@code timeout} in milliseconds. A call
 *       or stop is answered with {@code {"ok": reply}} or
 *       {@code {"failure": <CallFailure>, "message": ..., "reason": ...}}.</li>
 *   <li>{@code monitor} ({@code to}, {@code watch}, {@code from}), answered with an empty reply
 *       once the monitor is set up; {@code demonitor} ({@code watch}, {@code from}); and
 *       {@code down} ({@code watch}, {@code from}, {@code reason}), sent to the watcher's node.</li>
 * </ul>
 * Anything else sent there is answered with a failure of code 400 (bad message) and harms
 * nothing.
 *
 * <p>A call pending on a node that leaves the cluster fails at once with
 * {@link CallFailure#SERVER_EXITED} and reason {@code noconnection}; a call by name whose holder
 * turned out to be gone looks the name up once more. A call's timeout runs from the moment it is
 * made, on the caller's context, lookup included.
 */
public final class ClusterRouter implements RemoteNodes {

  /** Prefix of a node's cluster-visible address. */
  public static final String NODE_ADDRESS_PREFIX = "genserver.node.";

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");
  /** Vert.x arms a timer for every request: "infinity" is a century. */
  private static final long LONGEST_TIMEOUT_MILLIS = Duration.ofDays(36_500).toMillis();
  /** How long a node has to confirm a monitor before its server counts as unreachable. */
  private static final long MONITOR_ACK_MILLIS = 30_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final MessageTypes types;
  private final NameRoutes routes;
  private final String self;
  /** Members as the membership listener saw them; checked against Hazelcast's own view when it misses. */
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  /** Calls waiting for an answer from a node, by node: failed when it leaves. */
  private final ConcurrentHashMap<String, Set<Call<?>>> pendingByNode = new ConcurrentHashMap<>();
  /** Monitors of servers on other nodes, by watch id; the server is null while its name is looked up. */
  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();
  /** Monitors this node keeps for watchers on other nodes: by their node, then watch id. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, MonitorRef>> watchedFor = new ConcurrentHashMap<>();
  private UUID membershipListener;
  private UUID lifecycleListener;
  private MessageConsumer<Object> consumer;

  public ClusterRouter(Vertx vertx, HazelcastInstance hazelcast, NameRegistry names, MessageTypes types) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.types = types;
    this.routes = new NameRoutes(names);
    this.self = RemoteNodes.nodeId(vertx);
  }

  /**
   * Listens to the cluster and at the node's address; completes once the address is known
   * cluster-wide. Call it off the event loop: Hazelcast's listener registration blocks.
   */
  public Future<Void> start() {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        members.add(Members.nodeId(event.getMember()));
        routes.forgetAll(); // a node that (re)joined may hold names this node thinks are elsewhere
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        nodeLeft(Members.nodeId(event.getMember()));
      }
    });
    lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
        routes.forgetAll(); // the merged name table may say otherwise about any name
      }
    });
    for (Member member : hazelcast.getCluster().getMembers()) {
      members.add(Members.nodeId(member));
    }
    // A departure heard before the snapshot above was taken must not leave a ghost in it.
    Set<String> now = ConcurrentHashMap.newKeySet();
    hazelcast.getCluster().getMembers().forEach(member -> now.add(Members.nodeId(member)));
    members.retainAll(now);
    Promise<Void> registered = Promise.promise();
    Context home = ((VertxInternal) vertx).createEventLoopContext(); // no deployment: the consumer lives as long as Vert.x
    home.runOnContext(v -> {
      consumer = vertx.eventBus().consumer(address(self), this::receive);
      consumer.completion().onComplete(registered);
    });
    return registered.future();
  }

  /** Stops listening to the cluster (the node's address goes with Vert.x). Blocking: off the event loop. */
  public void close() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    if (lifecycleListener != null) {
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
    }
    routes.close();
  }

  static String address(String node) {
    return NODE_ADDRESS_PREFIX + node;
  }

  /** True if {@code node} is a member now: as the listener saw it, or, if it has not yet, as Hazelcast does. */
  private boolean isMember(String node) {
    if (members.contains(node)) {
      return true;
    }
    for (Member member : hazelcast.getCluster().getMembers()) { // a member that joined a moment ago
      if (Members.nodeId(member).equals(node)) {
        return true;
      }
    }
    return false;
  }

  // ---- calls and stops

  @Override
  public <T> Future<T> call(Destination destination, Object request, Duration timeout) {
    Object message;
    try {
      message = types.encode(request);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new CallException(CallFailure.BAD_MESSAGE, e.getMessage()));
    }
    return request("call", destination, message, timeout);
  }

  @Override
  public Future<Void> stop(Destination destination, ExitReason reason, Duration timeout) {
    return request("stop", destination, types.encode(Reasons.encode(reason, types)), timeout);
  }

  /** A call or a stop: answered by the node, or failed by the node's departure or the timeout. */
  private <T> Future<T> request(String kind, Destination destination, Object message, Duration timeout) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    boolean infinite = timeout.compareTo(Duration.ofMillis(LONGEST_TIMEOUT_MILLIS)) >= 0; // before toMillis can overflow
    long timeoutMillis = infinite ? LONGEST_TIMEOUT_MILLIS : Math.max(1, timeout.toMillis());
    Call<T> call = new Call<>(kind, destination, message, timeoutMillis, infinite, caller);
    if (!infinite) { // from now, lookup included
      long timer = caller.setTimer(timeoutMillis, t -> call.fail(new CallException(CallFailure.TIMEOUT,
          "no reply from " + destination + " in time")));
      call.reply.future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    call.go(true);
    return call.reply.future();
  }

  /** A call on its way to another node; settled once, on the caller's context. */
  private final class Call<T> {
    final String kind;
    final Destination destination;
    final Object message;
    final long timeoutMillis;
    final boolean infinite;
    final Context caller;
    final Promise<T> reply = Promise.promise();
    final long startedNanos = System.nanoTime();

    Call(String kind, Destination destination, Object message, long timeoutMillis, boolean infinite, Context caller) {
      this.kind = kind;
      this.destination = destination;
      this.message = message;
      this.timeoutMillis = timeoutMillis;
      this.infinite = infinite;
      this.caller = caller;
    }

    /** Finds the holder and sends; {@code mayLookAgain} once for a name whose holder turns out to be gone. */
    void go(boolean mayLookAgain) {
      if (destination instanceof ServerRef ref) {
        sendTo(ref, false);
      } else {
        routes.withHolder((ServerName) destination, NameRoutes.HolderAction.of(holder -> {
          if (holder.isEmpty()) {
            fail(new CallException(CallFailure.NO_SERVER, "no server: " + destination));
          } else {
            sendTo(holder.get(), mayLookAgain);
          }
        }, lookupFailed -> fail(new CallException(CallFailure.LOOKUP_FAILED, "the name " + destination
            + " could not be looked up: " + lookupFailed))));
      }
    }

    /** The holder's node is gone, or answered that it has no such server: look the name up once more, or fail. */
    private void holderGone(ServerRef target, boolean mayLookAgain, CallException otherwise) {
      if (mayLookAgain && destination instanceof ServerName name) {
        routes.forget(name, target);
        go(false);
      } else {
        fail(otherwise);
      }
    }

    private void sendTo(ServerRef target, boolean mayLookAgain) {
      if (reply.future().isComplete()) {
        return; // timed out while its holder was looked up
      }
      long left = timeoutMillis - (System.nanoTime() - startedNanos) / 1_000_000;
      if (left <= 0) {
        fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
        return;
      }
      if (!isMember(target.node())) {
        holderGone(target, mayLookAgain, CallException.exited(target, ExitReason.NOCONNECTION));
        return;
      }
      pendingByNode.compute(target.node(), (node, calls) -> {
        Set<Call<?>> waiting = calls != null ? calls : ConcurrentHashMap.newKeySet();
        waiting.add(this);
        return waiting;
      });
      if (!members.contains(target.node()) && !isMember(target.node())) { // it left as this call joined its set
        leftNode(target.node());
        fail(CallException.exited(target, ExitReason.NOCONNECTION));
        return;
      }
      JsonObject request = envelope(kind, target, message);
      if (!infinite) { // without one, the server's node waits as long as the caller does
        request.put("timeout", left);
      }
      vertx.eventBus().<Object>request(address(target.node()), request, new DeliveryOptions().setSendTimeout(left))
          .onComplete(ar -> {
            leftNode(target.node());
            try {
              if (ar.succeeded()) {
                answered(target, ar.result().body(), mayLookAgain);
              } else {
                failedToAnswer(target, ar.cause(), mayLookAgain);
              }
            } catch (RuntimeException e) { // whatever came back, the caller is answered
              fail(new CallException(CallFailure.BAD_MESSAGE, "unreadable answer from " + target + ": " + e));
            }
          });
    }

    /** No longer waits for {@code node}. */
    private void leftNode(String node) {
      pendingByNode.computeIfPresent(node, (n, calls) -> {
        calls.remove(this);
        return calls.isEmpty() ? null : calls;
      });
    }

    private void answered(ServerRef target, Object body, boolean mayLookAgain) {
      if (!(body instanceof JsonObject answer)) {
        fail(new CallException(CallFailure.BAD_MESSAGE, "unreadable answer from " + target));
        return;
      }
      if (answer.containsKey("ok")) {
        try {
          @SuppressWarnings("unchecked")
          T value = (T) types.decode(answer.getValue("ok"));
          succeed(value);
        } catch (IllegalArgumentException | ClassCastException e) {
          fail(new CallException(CallFailure.BAD_MESSAGE, "the reply from " + target + " cannot be read here: " + e.getMessage()));
        }
        return;
      }
      CallFailure failure = failureNamed(answer.getValue("failure"));
      String text = String.valueOf(answer.getValue("message"));
      if (failure == CallFailure.NO_SERVER) {
        holderGone(target, mayLookAgain, new CallException(failure, text));
        return;
      }
      Object reason = answer.getValue("reason");
      fail(new CallException(failure, reason instanceof JsonObject json ? Reasons.decode(json, types) : null, text));
    }

    private void failedToAnswer(ServerRef target, Throwable cause, boolean mayLookAgain) {
      if (!(cause instanceof ReplyException replyFailure)) {
        fail(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION, "call to " + target + " failed: " + cause));
      } else if (replyFailure.failureType() == ReplyFailure.TIMEOUT) {
        fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
      } else if (replyFailure.failureType() == ReplyFailure.NO_HANDLERS) {
        // The node's toolkit is gone, or the event bus has not caught up with a restart.
        holderGone(target, mayLookAgain, CallException.exited(target, ExitReason.NOCONNECTION));
      } else {
        CallFailure failure = CallFailure.fromCode(replyFailure.failureCode());
        fail(new CallException(failure == null ? CallFailure.BAD_MESSAGE : failure, replyFailure.getMessage()));
      }
    }

    void succeed(T value) {
      caller.runOnContext(v -> reply.tryComplete(value));
    }

    void fail(Throwable failure) {
      caller.runOnContext(v -> reply.tryFail(failure));
    }
  }

  private static CallFailure failureNamed(Object name) {
    for (CallFailure failure : CallFailure.values()) {
      if (failure.name().equals(name)) {
        return failure;
      }
    }
    return CallFailure.BAD_MESSAGE;
  }

  // ---- casts and infos

  @Override
  public void cast(Destination destination, Object message) {
    post(destination, "cast", types.encode(message));
  }

  @Override
  public void send(Destination destination, Object message) {
    post(destination, "info", types.encode(message));
  }

  private void post(Destination destination, String kind, Object message) {
    if (destination instanceof ServerRef ref) {
      if (isMember(ref.node())) {
        vertx.eventBus().send(address(ref.node()), envelope(kind, ref, message));
      }
      return;
    }
    ServerName name = (ServerName) destination;
    routes.withHolder(name, holder -> {
      if (holder.isEmpty()) {
        return;
      }
      if (isMember(holder.get().node())) {
        vertx.eventBus().send(address(holder.get().node()), envelope(kind, holder.get(), message));
        return;
      }
      routes.forget(name, holder.get()); // its node left: whoever holds the name now gets it
      routes.withHolder(name, now -> now.filter(ref -> isMember(ref.node()))
          .ifPresent(ref -> vertx.eventBus().send(address(ref.node()), envelope(kind, ref, message))));
    });
  }

  private JsonObject envelope(String kind, ServerRef to, Object message) {
    return new JsonObject().put("kind", kind).put("to", types.encode(to)).put("m", message);
  }

  // ---- monitors

  /** A monitor of a server on another node: told by that node's down message, or by its departure. */
  private record Watch(ServerRef server, Watcher watcher) {
  }

  @Override
  public Runnable monitor(Destination destination, Watcher watcher) {
    String id = self + ":" + UUID.randomUUID();
    Watch looking = new Watch(null, watcher);
    watches.put(id, looking);
    if (destination instanceof ServerRef ref) {
      watch(id, looking, ref);
    } else {
      routes.withHolder((ServerName) destination, NameRoutes.HolderAction.of(holder -> {
        if (holder.isEmpty()) {
          watchEnded(id, destination, ExitReason.NOPROC);
        } else {
          watch(id, looking, holder.get());
        }
      }, lookupFailed -> watchEnded(id, destination, ExitReason.NOCONNECTION))); // as Erlang's monitor of {Name, Node} that cannot reach it
    }
    return () -> {
      Watch watch = watches.remove(id);
      if (watch != null && watch.server() != null) {
        demonitor(id, watch.server());
      }
    };
  }

  private void demonitor(String id, ServerRef server) {
    if (isMember(server.node())) {
      vertx.eventBus().send(address(server.node()), new JsonObject().put("kind", "demonitor").put("watch", id)
          .put("from", self));
    }
  }

  private void watch(String id, Watch looking, ServerRef server) {
    if (!watches.replace(id, looking, new Watch(server, looking.watcher()))) {
      return; // demonitored while its name was looked up
    }
    if (!isMember(server.node())) { // checked after the watch is in place: a departure cannot slip between
      watchEnded(id, server, ExitReason.NOCONNECTION);
      return;
    }
    JsonObject request = new JsonObject().put("kind", "monitor").put("to", types.encode(server)).put("watch", id)
        .put("from", self);
    vertx.eventBus().request(address(server.node()), request, new DeliveryOptions().setSendTimeout(MONITOR_ACK_MILLIS))
        .onComplete(ar -> {
          if (!watches.containsKey(id)) {
            demonitor(id, server); // demonitored before the monitor was set up there: the demonitor may have come first
          } else if (ar.failed()) {
            watchEnded(id, server, ExitReason.NOCONNECTION); // its node cannot be reached
            demonitor(id, server);
          }
        });
  }

  /** Tells a watch's watcher, once, that its server is down. */
  private void watchEnded(String id, Destination server, ExitReason reason) {
    Watch watch = watches.remove(id);
    if (watch != null) {
      try {
        watch.watcher().down(watch.server() != null ? watch.server() : server, reason);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "a monitor of " + server + " failed to take its Down", e);
      }
    }
  }

  // ---- a node leaves

  private void nodeLeft(String node) {
    members.remove(node);
    Set<Call<?>> pending = pendingByNode.remove(node);
    if (pending != null) { // first: nothing a watcher does may keep a caller waiting
      for (Call<?> call : pending) {
        call.fail(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION,
            "node " + node + " left the cluster: noconnection"));
      }
    }
    routes.forgetNode(node);
    watches.forEach((id, watch) -> {
      if (watch.server() != null && watch.server().node().equals(node)) {
        watchEnded(id, watch.server(), ExitReason.NOCONNECTION);
      }
    });
    ConcurrentHashMap<String, MonitorRef> forGone = watchedFor.remove(node);
    if (forGone != null) {
      forGone.values().forEach(Monitors::demonitor); // nobody is left there to tell
    }
  }

  // ---- receiving

  private void receive(Message<Object> request) {
    Object raw;
    try {
      raw = request.body(); // decoded here, lazily: a frame that is not one throws
    } catch (RuntimeException e) {
      refuse(request, "undecodable body: " + e.getMessage());
      return;
    }
    if (!(raw instanceof JsonObject body)) {
      refuse(request, "expected a JsonObject, got " + (raw == null ? "null" : raw.getClass().getName()));
      return;
    }
    try {
      dispatch(request, body);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
      refuse(request, String.valueOf(e.getMessage()));
    }
  }

  private void dispatch(Message<Object> request, JsonObject body) {
    String kind = body.getString("kind");
    switch (String.valueOf(kind)) {
      case "call", "stop" -> receiveRequest(kind, request, body);
      case "cast", "info" -> {
        ServerRef target = localTarget(types.decode(body.getValue("to")));
        Object message = types.decode(body.getValue("m"));
        if (target != null) {
          if ("cast".equals(kind)) {
            GenServer.cast(vertx, target, message);
          } else {
            GenServer.send(vertx, target, message);
          }
        }
      }
      case "monitor" -> receiveMonitor(request, body);
      case "demonitor" -> {
        String id = Objects.requireNonNull(body.getString("watch"), "watch");
        ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.get(body.getString("from"));
        MonitorRef monitor = ofNode == null ? null : ofNode.remove(id);
        if (monitor != null) {
          Monitors.demonitor(monitor);
        }
      }
      case "down" -> {
        String id = Objects.requireNonNull(body.getString("watch"), "watch");
        Watch watch = watches.get(id);
        // Only the node of the watched server can say it is down.
        if (watch != null && watch.server() != null && watch.server().node().equals(body.getString("from"))) {
          watchEnded(id, watch.server(), Reasons.decode(body.getJsonObject("reason"), types));
        }
      }
      default -> refuse(request, "unknown kind " + kind);
    }
  }

  private void receiveRequest(String kind, Message<Object> request, JsonObject body) {
    Object to = types.decode(body.getValue("to"));
    Object message = types.decode(body.getValue("m"));
    ServerRef target = localTarget(to);
    Object given = body.getValue("timeout");
    Duration timeout = given == null ? GenServer.INFINITY
        : given instanceof Number n && n.longValue() > 0 ? Duration.ofMillis(n.longValue()) : null;
    if (timeout == null || request.replyAddress() == null) {
      refuse(request, "a call needs a reply address, and a timeout, if any, that is a positive number");
      return;
    }
    if (target == null) {
      request.reply(failure(CallFailure.NO_SERVER, null, "no server: " + to));
      return;
    }
    if ("call".equals(kind)) { // answered from the server's own context: no hop back here
      RemoteNodes.deliverCall(vertx, target, message, timeout, new RemoteNodes.CallSink() {
        @Override
        public void reply(Object value) {
          replyWith(request, target, value);
        }

        @Override
        public void fail(CallException e) {
          request.reply(failure(e.failure(), e.reason().orElse(null), e.getMessage()));
        }
      });
      return;
    }
    if (!(message instanceof JsonObject reasonJson)) {
      refuse(request, "a stop carries its reason");
      return;
    }
    ExitReason reason = Reasons.decode(reasonJson, types);
    GenServer.stop(vertx, target, reason, timeout).onComplete(ar -> {
      if (ar.succeeded()) {
        replyWith(request, target, null);
      } else if (ar.cause() instanceof CallException e) {
        request.reply(failure(e.failure(), e.reason().orElse(null), e.getMessage()));
      } else {
        request.reply(failure(CallFailure.SERVER_EXITED, ExitReason.crash(ar.cause()), String.valueOf(ar.cause())));
      }
    });
  }

  /** A monitor asked for by another node: set up here, its Down sent to the watcher's node. */
  private void receiveMonitor(Message<Object> request, JsonObject body) {
    String id = Objects.requireNonNull(body.getString("watch"), "watch");
    String from = Objects.requireNonNull(body.getString("from"), "from");
    if (!(types.decode(body.getValue("to")) instanceof ServerRef watched)) {
      throw new IllegalArgumentException("a monitor is of a server ref");
    }
    ServerRef target = localTarget(watched);
    if (target == null) {
      sendDown(from, id, ExitReason.NOPROC);
    } else {
      ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.computeIfAbsent(from, n -> new ConcurrentHashMap<>());
      ofNode.put(id, Monitors.monitor(vertx, target, down -> { // runs later, on this context: after the put
        if (ofNode.remove(id) != null) {
          sendDown(from, id, down.reason());
        }
      }));
      if (!isMember(from)) { // it left while this was set up: nobody to tell
        MonitorRef orphan = ofNode.remove(id);
        if (orphan != null) {
          Monitors.demonitor(orphan);
        }
        if (ofNode.isEmpty()) {
          watchedFor.remove(from, ofNode);
        }
      }
    }
    if (request.replyAddress() != null) {
      request.reply(null);
    }
  }

  private void sendDown(String node, String id, ExitReason reason) {
    vertx.eventBus().send(address(node), new JsonObject().put("kind", "down").put("watch", id).put("from", self)
        .put("reason", Reasons.encode(reason, types)));
  }

  /** The server of this node that {@code to} names, or null; never a server of another node. */
  private ServerRef localTarget(Object to) {
    if (to instanceof ServerRef ref) {
      return ref.node().equals(self) ? ref : null;
    }
    if (to instanceof ServerName name) {
      return GenServer.whereisLocal(vertx, name).orElse(null);
    }
    throw new IllegalArgumentException("not a server: " + to);
  }

  private void replyWith(Message<Object> request, ServerRef target, Object value) {
    Object encoded;
    try {
      encoded = types.encode(value);
    } catch (IllegalArgumentException e) {
      // The server lives on: the caller learns that the answer could not travel.
      request.reply(failure(CallFailure.SERVER_EXITED, null, "the reply of " + target + " cannot cross nodes: " + e.getMessage()));
      return;
    }
    request.reply(new JsonObject().put("ok", encoded));
  }

  private JsonObject failure(CallFailure failure, ExitReason reason, String message) {
    JsonObject json = new JsonObject().put("failure", failure.name()).put("message", message);
    return reason == null ? json : json.put("reason", Reasons.encode(reason, types));
  }

  private static void refuse(Message<Object> request, String why) {
    if (request.replyAddress() != null) {
      request.fail(CallFailure.BAD_MESSAGE.code(), "bad message: " + why);
    } else {
      LOG.log(System.Logger.Level.DEBUG, () -> "dropped a bad message: " + why);
    }
  }
}
