package org.vertxotp.cluster.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.concurrent.TimeoutException;
import java.util.Optional;
import java.util.function.Consumer;
import org.vertxotp.genserver.Destination;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/**
 * Finds the server each outgoing message goes to, in the order its sender gave them, as Erlang
 * keeps the order of messages between two processes: by ref or by name, cast, call, send, stop or
 * monitor. A ref, or a name this node's copy of the table knows (held, or free), is found at once;
 * a name it does not know is read from the table, and every later message of the same sender
 * waits behind it, {@value #LOOKUP_LIMIT_MILLIS} ms at most (only that sender's: others go on). A sender is a Vert.x context. Everything here runs on the
 * sender's context, one task at a time, so that what the actions hand to the event bus leaves in
 * order too: {@link #withHolder} is called there, and a lookup's answer is taken there.
 *
 * <p>What it does not order: a message retried after an asynchronous answer (a node that said it
 * has no such server) goes after what the sender gave meanwhile; and answers and Down messages a
 * server sends are not held behind its own pending lookups.
 */
final class SenderLanes {

  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");
  /** How long a sender's messages wait at most for the table to say who holds a name this node's copy does not know. */
  static final long LOOKUP_LIMIT_MILLIS = 5_000;

  private final NameRegistry names;
  /** The sender of code on no context. */
  private final Context home;
  /** Where a sender's lane is kept in its context's data: this instance's own key. */
  private final Object laneKey = new Object();

  private final long lookupLimitMillis;

  SenderLanes(NameRegistry names, Context home) {
    this(names, home, LOOKUP_LIMIT_MILLIS);
  }

  /** With another bound on a lookup than {@value #LOOKUP_LIMIT_MILLIS} ms: for tests. */
  SenderLanes(NameRegistry names, Context home, long lookupLimitMillis) {
    this.names = names;
    this.home = home;
    this.lookupLimitMillis = lookupLimitMillis;
  }

  /** The sender of code running now: its context, or, for code on no context, the one they all share. */
  Context sender() {
    Context current = Vertx.currentContext();
    return current != null ? current : home;
  }

  /**
   * Runs {@code step} on {@code sender}, one task at a time with its others: inline on its event
   * loop, else as a task there (code on a worker thread may run while its context runs another task).
   */
  void on(Context sender, Runnable step) {
    if (Vertx.currentContext() == sender && sender.isEventLoopContext() && Context.isOnEventLoopThread()) {
      step.run();
    } else {
      sender.runOnContext(v -> step.run());
    }
  }

  /** What to do with a destination's server once it is known, or when its lookup failed. */
  interface HolderAction {
    /** With the server, or empty if nobody holds the name. */
    void found(Optional<ServerRef> holder);

    /** The registry could not say who holds the name: by default, as if nobody did (a cast is dropped). */
    default void lookupFailed(Throwable cause) {
      found(Optional.empty());
    }

    /** An action that tells a failed lookup apart from nobody: {@code failed} gets the registry's failure. */
    static HolderAction of(Consumer<Optional<ServerRef>> found, Consumer<Throwable> failed) {
      return new HolderAction() {
        @Override
        public void found(Optional<ServerRef> holder) {
          found.accept(holder);
        }

        @Override
        public void lookupFailed(Throwable cause) {
          failed.accept(cause);
        }
      };
    }
  }

  /** The messages of one sender that wait for a lookup, and those behind it; confined to the sender's context. */
  private static final class Lane {
    final Context sender;
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** A lookup is out, or its answer is on its way to the context: nothing may go before it. */
    boolean lookingUp;
    /** The drain runs now (an action gave a message): a retry takes the head, anything else the tail. */
    boolean draining;

    Lane(Context sender) {
      this.sender = sender;
    }
  }

  private static final class Pending {
    final Destination destination;
    final boolean fromTable;
    final HolderAction action;
    boolean answered;
    Optional<ServerRef> holder;
    Throwable failure;

    Pending(Destination destination, boolean fromTable, HolderAction action) {
      this.destination = destination;
      this.fromTable = fromTable;
      this.action = action;
    }
  }

  /**
   * Runs {@code action} with the server {@code destination} is, after every action {@code sender}
   * gave before it; inline when nothing of the sender waits and the server is known at once. Call
   * it on {@code sender}. With {@code fromTable}, a name is read from the table even if this node
   * knows a holder (that holder was found gone); given by an action while it runs, such a retry
   * keeps that action's place, ahead of what waits behind it. If the registry cannot say who holds
   * a name, {@code action} hears of that failure.
   */
  void withHolder(Context sender, Destination destination, boolean fromTable, HolderAction action) {
    Lane lane = sender.get(laneKey);
    if (lane == null) {
      Optional<ServerRef> known = knownNow(destination, fromTable);
      if (known != null) {
        run(action, destination, known, null);
        return;
      }
      lane = new Lane(sender);
      sender.put(laneKey, lane);
    }
    Pending pending = new Pending(destination, fromTable, action);
    if (lane.draining && fromTable) {
      lane.waiting.addFirst(pending);
    } else {
      lane.waiting.addLast(pending);
    }
    if (!lane.lookingUp && !lane.draining) {
      drain(lane);
    }
  }

  /** The server {@code destination} is, known without waiting: a ref, or a name this node's copy knows; else null. */
  private Optional<ServerRef> knownNow(Destination destination, boolean fromTable) {
    if (destination instanceof ServerRef ref) {
      return Optional.of(ref);
    }
    if (fromTable) {
      return null;
    }
    try {
      ServerName name = (ServerName) destination;
      Optional<ServerRef> holder = names.lastKnownHolder(name);
      return holder.isPresent() || names.knownFree(name) ? holder : null;
    } catch (RuntimeException e) { // a copy that cannot answer: the table can
      return null;
    }
  }

  /** Runs what waits in {@code lane}, in order, until one needs a lookup or none is left. On the lane's sender. */
  private void drain(Lane lane) {
    lane.draining = true;
    // A lookup's answer (or failure) serves the later messages to the same name this drain comes to, until another
    // lookup answers: a table that cannot answer holds the sender back once, not once per message.
    ServerName lastLookedUp = null;
    Optional<ServerRef> lastAnswer = null;
    Throwable lastFailure = null;
    try {
      while (true) {
        Pending next = lane.waiting.peek();
        if (next == null) {
          lane.sender.remove(laneKey);
          return;
        }
        Optional<ServerRef> holder;
        Throwable failure = next.failure;
        if (next.answered) {
          holder = next.holder;
          lastLookedUp = (ServerName) next.destination;
          lastAnswer = holder;
          lastFailure = failure;
        } else {
          holder = knownNow(next.destination, next.fromTable);
          if (holder == null && !next.fromTable && next.destination.equals(lastLookedUp)) {
            holder = lastAnswer;
            failure = lastFailure;
          }
          if (holder == null && failure == null) {
            lookUp(lane, next);
            return;
          }
        }
        lane.waiting.poll();
        run(next.action, next.destination, holder, failure);
      }
    } finally {
      lane.draining = false;
    }
  }

  /** Runs {@code action}; what it throws is reported, and what waits behind it goes on. */
  private static void run(HolderAction action, Destination destination, Optional<ServerRef> holder, Throwable failure) {
    try {
      if (failure != null) {
        action.lookupFailed(failure);
      } else {
        action.found(holder);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, () -> "a message to " + destination + " failed on its way", e);
    }
  }

  /**
   * Reads the table for the lane's head; the lane waits for the answer, or for {@value #LOOKUP_LIMIT_MILLIS}
   * ms (real time) at most: a lookup the table does not answer by then fails, and the sender goes on.
   */
  private void lookUp(Lane lane, Pending pending) {
    lane.lookingUp = true;
    long limit = lane.sender.owner().setTimer(lookupLimitMillis, timer -> answered(lane, pending, null,
        new TimeoutException("the name table did not say who holds " + pending.destination + " within "
            + lookupLimitMillis + " ms")));
    Future<Optional<ServerRef>> lookup;
    try {
      lookup = names.whereis((ServerName) pending.destination);
    } catch (RuntimeException e) {
      lookup = Future.failedFuture(e);
    }
    lookup.onComplete(ar -> {
      try {
        lane.sender.runOnContext(v -> {
          lane.sender.owner().cancelTimer(limit);
          answered(lane, pending, ar.succeeded() ? ar.result() : null, ar.failed() ? ar.cause() : null);
        });
      } catch (RuntimeException refused) { // Vert.x is closing: what waits goes with it
        LOG.log(System.Logger.Level.DEBUG, "messages waiting for a name's lookup were dropped: their context runs no more tasks",
            refused);
      }
    });
  }

  /** The head's lookup answered, failed or ran out of time (whichever came first); on the sender. */
  private void answered(Lane lane, Pending pending, Optional<ServerRef> holder, Throwable failure) {
    if (pending.answered) {
      return;
    }
    pending.answered = true;
    pending.holder = holder;
    pending.failure = failure;
    lane.lookingUp = false;
    drain(lane);
  }
}
