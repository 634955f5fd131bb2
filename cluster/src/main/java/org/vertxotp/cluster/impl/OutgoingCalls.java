package org.vertxotp.cluster.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.time.Clock;

/**
 * Calls, stops and kills this node makes to servers on other nodes: each settled once, on its
 * caller's context, by the answer, by the departure of the server's node while it waits for that
 * node (at once, with {@code noconnection}), or by its timeout. The timeout runs from the moment
 * the call is made, lookup included, on the caller's context and the node's {@link Clock}: a
 * server's node that gives up first on its own clock frees its side, and the caller's timer still
 * decides. A call, stop or kill by name whose holder turns out to be gone (this node's copy of
 * the table lagged) reads the table once more, and goes to the name's holder now.
 */
final class OutgoingCalls {

  /** Vert.x arms a timer for every request: "infinity" is a century. */
  static final long LONGEST_TIMEOUT_MILLIS = Duration.ofDays(36_500).toMillis();
  /**
   * How long past a call's timeout the event bus keeps its reply handler, on the real clock: the
   * caller's timer, on the node's clock, decides; this frees the handler when no answer comes (the
   * server's node died).
   */
  private static final long REPLY_HANDLER_GRACE_MILLIS = 10_000;

  private final NodeWire wire;
  private final Membership membership;
  private final SenderLanes lanes;
  private final NameRegistry names;
  /** Calls waiting for an answer from a node, by node: failed when it leaves. */
  private final ConcurrentHashMap<String, Set<Call<?>>> pendingByNode = new ConcurrentHashMap<>();

  OutgoingCalls(NodeWire wire, Membership membership, SenderLanes lanes, NameRegistry names) {
    this.wire = wire;
    this.membership = membership;
    this.lanes = lanes;
    this.names = names;
  }

  /** A call, stop or kill of kind {@code kind}, its message already in the node protocol's form. */
  <T> Future<T> request(String kind, Destination destination, Object message, Duration timeout) {
    Context caller = lanes.sender();
    Clock clock = Clock.of(wire.vertx());
    boolean infinite = timeout.compareTo(Duration.ofMillis(LONGEST_TIMEOUT_MILLIS)) >= 0; // before toMillis can overflow
    long timeoutMillis = infinite ? LONGEST_TIMEOUT_MILLIS : Math.max(1, timeout.toMillis());
    Call<T> call = new Call<>(kind, destination, message, timeoutMillis, infinite, caller, clock);
    if (!infinite) {
      Clock.Scheduled timer = clock.schedule(caller, TimeUnit.MILLISECONDS.toNanos(timeoutMillis),
          () -> call.fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time")));
      call.reply.future().onComplete(ar -> timer.cancel());
    }
    lanes.on(caller, () -> call.go(true));
    return call.reply.future();
  }

  /** {@code node} left: every call waiting for it fails now with {@code noconnection}. */
  void nodeLeft(String node) {
    Set<Call<?>> pending = pendingByNode.remove(node);
    if (pending != null) {
      for (Call<?> call : pending) {
        call.fail(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION,
            "node " + node + " left the cluster: noconnection"));
      }
    }
  }

  /** A call on its way to another node; settled once, on the caller's context. */
  private final class Call<T> {
    final String kind;
    final Destination destination;
    final Object message;
    final long timeoutMillis;
    final boolean infinite;
    final Context caller;
    final Clock clock;
    final Promise<T> reply = Promise.promise();
    final long startedNanos;

    Call(String kind, Destination destination, Object message, long timeoutMillis, boolean infinite, Context caller,
         Clock clock) {
      this.kind = kind;
      this.destination = destination;
      this.message = message;
      this.timeoutMillis = timeoutMillis;
      this.infinite = infinite;
      this.caller = caller;
      this.clock = clock;
      this.startedNanos = clock.nanoTime();
    }

    /**
     * Finds the holder and sends, in the caller's order; on the caller's context. {@code mayLookAgain}
     * once for a name whose holder turns out to be gone: the retry reads the table, not this node's copy.
     */
    void go(boolean mayLookAgain) {
      lanes.withHolder(caller, destination, !mayLookAgain, SenderLanes.HolderAction.of(holder -> {
        if (holder.isEmpty()) {
          fail(new CallException(CallFailure.NO_SERVER, "no server: " + destination));
        } else {
          sendTo(holder.get(), mayLookAgain && destination instanceof ServerName);
        }
      }, lookupFailed -> fail(new CallException(CallFailure.LOOKUP_FAILED, "the name " + destination
          + " could not be looked up: " + lookupFailed))));
    }

    /** The holder's node is gone, or answered that it has no such server: look the name up once more, or fail. */
    private void holderGone(ServerRef target, boolean mayLookAgain, CallException otherwise) {
      if (destination instanceof ServerName name) {
        names.holderGone(name, target);
      }
      if (mayLookAgain) {
        go(false);
      } else {
        fail(otherwise);
      }
    }

    private void sendTo(ServerRef target, boolean mayLookAgain) {
      if (reply.future().isComplete()) {
        return; // timed out while its holder was looked up
      }
      long left = timeoutMillis - (clock.nanoTime() - startedNanos) / 1_000_000;
      if (left <= 0) {
        fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
        return;
      }
      if (!membership.isMember(target.node())) {
        holderGone(target, mayLookAgain, CallException.exited(target, ExitReason.NOCONNECTION));
        return;
      }
      pendingByNode.compute(target.node(), (node, calls) -> {
        Set<Call<?>> waiting = calls != null ? calls : ConcurrentHashMap.newKeySet();
        waiting.add(this);
        return waiting;
      });
      if (!membership.isMember(target.node())) { // it left as this call joined its set
        leftNode(target.node());
        fail(CallException.exited(target, ExitReason.NOCONNECTION));
        return;
      }
      JsonObject request = wire.envelope(kind, target, message);
      if (!infinite) { // without one, the server's node waits as long as the caller does
        request.put("timeout", left);
      }
      long handlerMillis = infinite ? LONGEST_TIMEOUT_MILLIS : left + REPLY_HANDLER_GRACE_MILLIS;
      wire.vertx().eventBus().<Object>request(NodeWire.address(target.node()), request,
              new DeliveryOptions().setSendTimeout(handlerMillis))
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
          T value = (T) wire.types().decode(answer.getValue("ok"));
          succeed(value);
        } catch (IllegalArgumentException | ClassCastException e) {
          fail(new CallException(CallFailure.BAD_MESSAGE, "the reply from " + target + " cannot be read here: " + e.getMessage()));
        }
        return;
      }
      CallException failure = wire.failureOf(answer);
      if (failure.failure() == CallFailure.TIMEOUT && !infinite) {
        return; // the server's node gave up on its own clock: the caller's timer, on this node's, decides
      }
      if (failure.failure() == CallFailure.NO_SERVER) {
        holderGone(target, mayLookAgain, failure);
        return;
      }
      fail(failure);
    }

    private void failedToAnswer(ServerRef target, Throwable cause, boolean mayLookAgain) {
      if (!(cause instanceof ReplyException replyFailure)) {
        fail(new CallException(CallFailure.SERVER_EXITED, ExitReason.NOCONNECTION, "call to " + target + " failed: " + cause));
      } else if (replyFailure.failureType() == ReplyFailure.TIMEOUT) {
        if (infinite) { // a century: nothing else will end it
          fail(new CallException(CallFailure.TIMEOUT, "no reply from " + destination + " in time"));
        } // else the caller's timer, on the node's clock, decides
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
}
