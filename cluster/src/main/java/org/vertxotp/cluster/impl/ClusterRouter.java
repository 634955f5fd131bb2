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
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 * every call, cast and info between toolkits; servers' own addresses stay local.
 *
 * <h2>The node protocol</h2>
 * A request is a {@link JsonObject}: {@code kind} ({@code call}, {@code cast}, {@code info}),
 * {@code to} (a {@link ServerRef} or {@link ServerName} in {@link MessageTypes} form), {@code m}
 * (the message in that form) and, for a call, {@code timeout} in milliseconds. A call is answered
 * with {@code {"ok": reply}} or {@code {"failure": <CallFailure>, "message": ..., "reason": ...}}.
 * Anything else sent there is answered with a failure of code 400 (bad message) and harms
 * nothing.
 *
 * <p>A call pending on a node that leaves the cluster fails at once with
 * {@link CallFailure#SERVER_EXITED} and reason {@code noconnection}; a call by name whose holder
 * turned out to be gone looks the name up once more.
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
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Set<Pending>> pendingByNode = new ConcurrentHashMap<>();
  /** Monitors of servers on other nodes, by watch id. */
  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();
  /** Monitors this node keeps for watchers on other nodes: by their node, then watch id. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, MonitorRef>> watchedFor = new ConcurrentHashMap<>();
  private final AtomicLong watchSequence = new AtomicLong();
  private UUID membershipListener;
  private MessageConsumer<Object> consumer;

  public ClusterRouter(Vertx vertx, HazelcastInstance hazelcast, NameRegistry names, MessageTypes types) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.types = types;
    this.routes = new NameRoutes(names);
    this.self = RemoteNodes.nodeId(vertx);
  }

  /** Listens to the cluster and at the node's address; completes once the address is known cluster-wide. */
  public Future<Void> start() {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        members.add(Members.nodeId(event.getMember()));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        nodeLeft(Members.nodeId(event.getMember()));
      }
    });
    for (Member member : hazelcast.getCluster().getMembers()) {
      members.add(Members.nodeId(member));
    }
    Promise<Void> registered = Promise.promise();
    Context home = ((VertxInternal) vertx).createEventLoopContext(); // no deployment: the consumer lives as long as Vert.x
    home.runOnContext(v -> {
      consumer = vertx.eventBus().consumer(address(self), this::receive);
      consumer.completion().onComplete(registered);
    });
    return registered.future();
  }

  /** Stops listening; calls still pending fail when their timeouts end. */
  public Future<Void> close() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  static String address(String node) {
    return NODE_ADDRESS_PREFIX + node;
  }

  // ---- sending

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
    Context caller = vertx.getOrCreateContext();
    long timeoutMillis = GenServer.INFINITY.compareTo(timeout) <= 0 ? LONGEST_TIMEOUT_MILLIS
        : Math.max(1, Math.min(LONGEST_TIMEOUT_MILLIS, timeout.toMillis()));
    Promise<T> reply = Promise.promise();
    new Call<>(kind, destination, message, timeoutMillis, caller, reply).go(true);
    return reply.future();
  }

  @Override
  public Runnable monitor(Destination destination, Watcher watcher) {
    String id = self + ":" + watchSequence.incrementAndGet();
    if (destination instanceof ServerRef ref) {
      watch(id, ref, watcher);
    } else {
      routes.withHolder((ServerName) destination, holder -> {
        if (holder.isEmpty()) {
          watcher.down(destination, ExitReason.NOPROC);
        } else {
          watch(id, holder.get(), watcher);
        }
      });
    }
    return () -> {
      Watch watch = watches.remove(id);
      if (watch != null && members.contains(watch.server().node())) {
        vertx.eventBus().send(address(watch.server().node()), new JsonObject().put("kind", "demonitor").put("watch", id)
            .put("from", self));
      }
    };
  }

  /** A monitor of a server on another node: told by that node's down message, or by its departure. */
  private record Watch(ServerRef server, Watcher watcher) {
  }

  private void watch(String id, ServerRef server, Watcher watcher) {
    watches.put(id, new Watch(server, watcher));
    if (!members.contains(server.node())) { // after the put: a departure cannot slip between
      watchEnded(id, server, ExitReason.NOCONNECTION);
      return;
    }
    JsonObject request = new JsonObject().put("kind", "monitor").put("to", types.encode(server)).put("watch", id)
        .put("from", self);
    vertx.eventBus().request(address(server.node()), request, new DeliveryOptions().setSendTimeout(MONITOR_ACK_MILLIS))
        .onFailure(e -> watchEnded(id, server, ExitReason.NOCONNECTION)); // its node cannot be reached
  }

  /** Tells a watch's watcher, once, that its server is down. */
  private void watchEnded(String id, Destination server, ExitReason reason) {
    Watch watch = watches.remove(id);
    if (watch != null) {
      watch.watcher().down(server, reason);
    }
  }

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
      if (members.contains(ref.node())) {
        vertx.eventBus().send(address(ref.node()), envelope(kind, ref, message));
      }
      return;
    }
    ServerName name = (ServerName) destination;
    routes.withHolder(name, holder -> holder.filter(ref -> members.contains(ref.node()))
        .ifPresent(ref -> vertx.eventBus().send(address(ref.node()), envelope(kind, ref, message))));
  }

  private JsonObject envelope(String kind, ServerRef to, Object message) {
    return new JsonObject().put("kind", kind).put("to", types.encode(to)).put("m", message);
  }

  /** A call on its way to another node; settled once, on the caller's context. */
  private final class Call<T> {
    final String kind;
    final Destination destination;
    final Object message;
    final long timeoutMillis;
    final Context caller;
    final Promise<T> reply;
    final long startedNanos = System.nanoTime();

    Call(String kind, Destination destination, Object message, long timeoutMillis, Context caller, Promise<T> reply) {
      this.kind = kind;
      this.destination = destination;
      this.message = message;
      this.timeoutMillis = timeoutMillis;
      this.caller = caller;
      this.reply = reply;
    }

    /** Finds the holder and sends; {@code mayLookAgain} once for a name whose holder turns out to be gone. */
    void go(boolean mayLookAgain) {
      if (destination instanceof ServerRef ref) {
        sendTo(ref, false);
      } else {
        routes.withHolder((ServerName) destination, holder -> {
          if (holder.isEmpty()) {
            fail(new CallException(CallFailure.NO_SERVER, "no server: " + destination));
          } else {
            sendTo(holder.get(), mayLookAgain);
          }
        });
      }
    }

    private void sendTo(ServerRef target, boolean mayLookAgain) {
      long left = timeoutMillis - (System.nanoTime() - startedNanos) / 1_000_000;
      if (left <= 0) {
        fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
        return;
      }
      Pending pending = new Pending(this::fail);
      Set<Pending> onNode = pendingByNode.computeIfAbsent(target.node(), n -> ConcurrentHashMap.newKeySet());
      onNode.add(pending);
      if (!members.contains(target.node())) { // checked after joining the node's pending set: a departure cannot slip between
        onNode.remove(pending);
        fail(CallException.exited(target, ExitReason.NOCONNECTION));
        return;
      }
      JsonObject request = envelope(kind, target, message).put("timeout", left);
      vertx.eventBus().<Object>request(address(target.node()), request, new DeliveryOptions().setSendTimeout(left))
          .onComplete(ar -> {
            onNode.remove(pending);
            if (ar.succeeded()) {
              answered(target, ar.result().body(), mayLookAgain);
            } else {
              failedToAnswer(target, ar.cause(), mayLookAgain);
            }
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
      if (failure == CallFailure.NO_SERVER && mayLookAgain && destination instanceof ServerName name) {
        routes.forget(name, target);
        go(false);
        return;
      }
      JsonObject reason = answer.getJsonObject("reason");
      fail(new CallException(failure, reason == null ? null : Reasons.decode(reason, types), answer.getString("message")));
    }

    private void failedToAnswer(ServerRef target, Throwable cause, boolean mayLookAgain) {
      if (!(cause instanceof ReplyException replyFailure)) {
        fail(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION, "call to " + target + " failed: " + cause));
        return;
      }
      if (replyFailure.failureType() == ReplyFailure.TIMEOUT) {
        fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
      } else if (replyFailure.failureType() == ReplyFailure.NO_HANDLERS) {
        // The node's toolkit is gone, or the event bus has not caught up with a restart.
        if (mayLookAgain && destination instanceof ServerName name) {
          routes.forget(name, target);
          go(false);
        } else {
          fail(CallException.exited(target, ExitReason.NOCONNECTION));
        }
      } else {
        CallFailure failure = CallFailure.fromCode(replyFailure.failureCode());
        fail(new CallException(failure == null ? CallFailure.BAD_MESSAGE : failure, replyFailure.getMessage()));
      }
    }

    private void succeed(T value) {
      caller.runOnContext(v -> reply.tryComplete(value));
    }

    private void fail(Throwable failure) {
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

  /** A call waiting for a node, to be failed if that node leaves. */
  private record Pending(java.util.function.Consumer<Throwable> failer) {
  }

  private void nodeLeft(String node) {
    members.remove(node);
    routes.forgetNode(node);
    watches.forEach((id, watch) -> {
      if (watch.server().node().equals(node)) {
        watchEnded(id, watch.server(), ExitReason.NOCONNECTION);
      }
    });
    ConcurrentHashMap<String, MonitorRef> forGone = watchedFor.remove(node);
    if (forGone != null) {
      forGone.values().forEach(Monitors::demonitor); // nobody is left there to tell
    }
    Set<Pending> pending = pendingByNode.remove(node);
    if (pending != null) {
      for (Pending call : pending) {
        call.failer().accept(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION,
            "node " + node + " left the cluster: noconnection"));
      }
    }
  }

  // ---- receiving

  private void receive(Message<Object> request) {
    if (!(request.body() instanceof JsonObject body)) {
      refuse(request, "expected a JsonObject, got " + (request.body() == null ? "null" : request.body().getClass().getName()));
      return;
    }
    Object watchKind = body.getValue("kind");
    if ("monitor".equals(watchKind) || "demonitor".equals(watchKind) || "down".equals(watchKind)) {
      try {
        receiveWatch((String) watchKind, request, body);
      } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
        refuse(request, String.valueOf(e.getMessage()));
      }
      return;
    }
    String kind;
    ServerRef target;
    Object message;
    try {
      kind = body.getString("kind");
      Object to = types.decode(body.getValue("to"));
      message = types.decode(body.getValue("m"));
      target = localTarget(to);
    } catch (IllegalArgumentException | ClassCastException e) {
      refuse(request, e.getMessage());
      return;
    }
    if ("call".equals(kind) || "stop".equals(kind)) {
      Long timeout = body.getValue("timeout") instanceof Number n ? n.longValue() : null;
      if (timeout == null || timeout <= 0 || request.replyAddress() == null) {
        refuse(request, "a call needs a positive timeout and a reply address");
        return;
      }
      if (target == null) {
        request.reply(failure(CallFailure.NO_SERVER, null, "no server: " + body.getValue("to")));
        return;
      }
      if ("call".equals(kind)) { // answered from the server's own context: no hop back here
        RemoteNodes.deliverCall(vertx, target, message, new RemoteNodes.CallSink() {
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
      ExitReason reason;
      try {
        reason = Reasons.decode((JsonObject) message, types);
      } catch (IllegalArgumentException | ClassCastException e) {
        refuse(request, "not an exit reason: " + e.getMessage());
        return;
      }
      GenServer.stop(vertx, target, reason, Duration.ofMillis(timeout)).onComplete(ar -> {
        if (ar.succeeded()) {
          replyWith(request, target, null);
        } else if (ar.cause() instanceof CallException e) {
          request.reply(failure(e.failure(), e.reason().orElse(null), e.getMessage()));
        } else {
          request.reply(failure(CallFailure.SERVER_EXITED, ExitReason.crash(ar.cause()), String.valueOf(ar.cause())));
        }
      });
    } else if ("cast".equals(kind) || "info".equals(kind)) {
      if (target != null) {
        if ("cast".equals(kind)) {
          GenServer.cast(vertx, target, message);
        } else {
          GenServer.send(vertx, target, message);
        }
      }
    } else {
      refuse(request, "unknown kind " + kind);
    }
  }

  /** A monitor asked for by another node, ended by it, or a Down for one of this node's. */
  private void receiveWatch(String kind, Message<Object> request, JsonObject body) {
    String id = java.util.Objects.requireNonNull(body.getString("watch"), "watch");
    switch (kind) {
      case "monitor" -> {
        String from = java.util.Objects.requireNonNull(body.getString("from"), "from");
        if (!(types.decode(body.getValue("to")) instanceof ServerRef watched)) {
          throw new IllegalArgumentException("a monitor is of a server ref");
        }
        ServerRef target = localTarget(watched);
        if (request.replyAddress() != null) {
          request.reply(null);
        }
        if (target == null || !members.contains(from)) {
          if (target == null) {
            sendDown(from, id, watched, ExitReason.NOPROC);
          }
          return;
        }
        ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.computeIfAbsent(from, n -> new ConcurrentHashMap<>());
        ofNode.put(id, Monitors.monitor(vertx, target, down -> {
          if (ofNode.remove(id) != null) {
            sendDown(from, id, target, down.reason());
          }
        }));
        if (!members.contains(from) && ofNode.remove(id) != null) { // it left while this was set up
          watchedFor.remove(from, ofNode);
        }
      }
      case "demonitor" -> {
        ConcurrentHashMap<String, MonitorRef> ofNode = watchedFor.get(body.getString("from"));
        MonitorRef monitor = ofNode == null ? null : ofNode.remove(id);
        if (monitor != null) {
          Monitors.demonitor(monitor);
        }
      }
      default -> { // down
        ServerRef server = (ServerRef) types.decode(body.getValue("server"));
        watchEnded(id, server, Reasons.decode(body.getJsonObject("reason"), types));
      }
    }
  }

  private void sendDown(String node, String id, ServerRef server, ExitReason reason) {
    vertx.eventBus().send(address(node), new JsonObject().put("kind", "down").put("watch", id)
        .put("server", types.encode(server)).put("reason", Reasons.encode(reason, types)));
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
