package org.vertxotp.cluster;

import io.vertx.core.Handler;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;

/**
 * A defect of Vert.x 5.1.5's clustered event bus, and an opt-in way to keep it out of the log.
 *
 * <p>When a node writes a message to a node whose connection has just closed (the other node
 * closed, or died), the write fails and the event bus fails the message's send context through
 * {@code Promise.fail}. The send context takes the failure (the message is lost with the node, as
 * any message to a node that dies), but answers {@code tryFail} with false, so {@code Promise.fail}
 * then throws "Promise already completed" out of the write's listener, and Vert.x logs it at
 * ERROR as an unhandled exception, once per such message, on the node that wrote. Nothing is
 * wrong; the toolkit's callers to that node are told {@code noconnection} as usual.
 *
 * <p>The throwable carries no trace of the send context, so it can only be told apart by its
 * stack: {@link #isFailedWriteReportedTwice} accepts the shapes it takes. Two of them are also
 * those of any promise, of your code or of a library's, that was handed to {@code onComplete},
 * completed already, and failed again: by a failing write of a Vert.x connection, or by a future
 * completed away from the promise's event loop (on another event loop, in {@code executeBlocking},
 * on a library's thread). Install {@link #quietExceptionHandler()} only if no code in the process
 * does that; the toolkit does not. It replaces the Vert.x instance's exception handler. A sender
 * on a worker context leaves yet another shape, which is not recognized: Vert.x's ERROR stands.
 * With assertions enabled, a second defect shows at such a moment: see
 * {@link #isOffLoopWriteToClosedConnection}.
 */
public final class KnownVertxDefects {

  private static final String OUTBOUND_CONNECTION = "io.vertx.core.eventbus.impl.clustered.OutboundConnection";
  /** What every write of a Vert.x connection is failed through. */
  private static final String CHANNEL_WRITE = "io.vertx.core.net.impl.DelegatingChannelPromise";
  private static final String EMIT_TASK = "io.vertx.core.impl.future.FutureBase$EmitResultTask";
  private static final String DISPOSED_QUEUE = "io.vertx.core.net.impl.VertxConnection$InternalMessageChannel";

  /** The logger Vert.x reports unhandled exceptions through. */
  private static final Logger LOG = LoggerFactory.getLogger("io.vertx.core.impl.ContextImpl");

  private KnownVertxDefects() {
  }

  /**
   * An exception handler for {@code Vertx.exceptionHandler} that logs what no handler took as
   * Vert.x does (ERROR, "Unhandled exception", logger {@code io.vertx.core.impl.ContextImpl}),
   * except a failed write reported twice and, with assertions enabled, a write off its
   * connection's loop to a node that left ({@link #isOffLoopWriteToClosedConnection}), which it
   * logs at DEBUG.
   */
  public static Handler<Throwable> quietExceptionHandler() {
    return failure -> {
      if (isFailedWriteReportedTwice(failure)) {
        LOG.debug("A message's write to a node that left failed (Vert.x reports the failure twice)", failure);
      } else if (isOffLoopWriteToClosedConnection(failure)) {
        LOG.debug("A message to a node that left was written off its connection's loop (Vert.x asserts it must not)",
            failure);
      } else {
        LOG.error("Unhandled exception", failure);
      }
    };
  }

  /**
   * True for an {@code IllegalStateException("Promise already completed")} thrown by
   * {@code Promise.fail} called as a listener ({@code Promise.complete}), where the listener was
   * registered by the event bus's outbound connection on a write that had failed already, or
   * where only Vert.x, Netty and the JDK are on the stack and it was either a failing write of a
   * Vert.x connection or a task an event loop ran to deliver a result to its context.
   */
  public static boolean isFailedWriteReportedTwice(Throwable failure) {
    if (!(failure instanceof IllegalStateException) || !"Promise already completed".equals(failure.getMessage())) {
      return false;
    }
    StackTraceElement[] stack = failure.getStackTrace();
    if (stack.length < 3 || !isPromise(stack[0], "fail") || !isPromise(stack[1], "complete")) {
      return false;
    }
    for (int i = 2; i < stack.length; i++) {
      String owner = stack[i].getClassName();
      if (OUTBOUND_CONNECTION.equals(owner)) {
        return true; // what the connection's listener ran inline, below the future's machinery
      }
      if (!isFutureMachinery(owner)) {
        break;
      }
    }
    boolean channelWrite = false;
    boolean onlyLoopBelowTask = EMIT_TASK.equals(stack[2].getClassName());
    for (int i = 2; i < stack.length; i++) {
      String owner = stack[i].getClassName();
      boolean loop = owner.startsWith("io.netty.") || owner.startsWith("java.") || owner.startsWith("jdk.");
      if (!loop && !owner.startsWith("io.vertx.core.")) {
        return false; // someone else's code is on the stack
      }
      if (i > 2 && !loop) {
        onlyLoopBelowTask = false;
      }
      channelWrite |= owner.equals(CHANNEL_WRITE);
    }
    return channelWrite || onlyLoopBelowTask;
  }

  /**
   * True for the {@code AssertionError} Vert.x 5.1.5 throws, with assertions enabled ({@code -ea},
   * as in tests), when a message is sent to a node whose connection has just closed from an event
   * loop that is not the connection's: the connection's closed queue hands the message straight
   * to its write ({@code VertxConnection$InternalMessageChannel.handleDispose}), which asserts it
   * runs on the connection's loop. Without {@code -ea} Netty moves that write to the connection's
   * loop, where it fails as the connection is closed: the message is lost with the node, as any
   * message to a node that left. With {@code -ea} the message's send is not failed either: a
   * request among them fails at its timeout. Only a stack of Vert.x, Netty and the JDK down to the
   * event bus's outbound connection counts.
   */
  public static boolean isOffLoopWriteToClosedConnection(Throwable failure) {
    if (!(failure instanceof AssertionError) || failure.getMessage() != null) {
      return false;
    }
    StackTraceElement[] stack = failure.getStackTrace();
    if (stack.length < 3 || !"io.vertx.core.net.impl.VertxConnection".equals(stack[0].getClassName())
        || !"unsafeWrite".equals(stack[0].getMethodName())) {
      return false;
    }
    boolean disposed = false;
    for (int i = 1; i < stack.length; i++) {
      String owner = stack[i].getClassName();
      if (!owner.startsWith("io.vertx.core.") && !owner.startsWith("io.netty.") && !owner.startsWith("java.")
          && !owner.startsWith("jdk.")) {
        return false;
      }
      disposed |= DISPOSED_QUEUE.equals(owner) && "handleDispose".equals(stack[i].getMethodName());
      if (disposed && OUTBOUND_CONNECTION.equals(owner)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPromise(StackTraceElement frame, String method) {
    return "io.vertx.core.Promise".equals(frame.getClassName()) && method.equals(frame.getMethodName());
  }

  private static boolean isFutureMachinery(String owner) {
    return owner.startsWith("io.vertx.core.impl.future.") || owner.equals("io.vertx.core.impl.ContextBase")
        || owner.equals("io.vertx.core.impl.ContextImpl") || owner.equals("io.vertx.core.internal.ContextInternal")
        || owner.equals("io.vertx.core.Future") || owner.equals("io.vertx.core.Promise")
        || owner.equals("io.vertx.core.Completable");
  }
}
