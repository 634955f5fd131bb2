package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which stacks count as Vert.x's second report of a failed write: the shapes it takes (the first
 * two as printed by Vert.x 5.1.5 here, the others as its connection fails a write, read from its
 * source), and none of a promise completed twice by a timer, by the toolkit's code, by a
 * connection's close that is no write, or by a success.
 */
class KnownVertxDefectsTest {

  private static StackTraceElement frame(String owner, String method) {
    return new StackTraceElement(owner, method, "Source.java", 1);
  }

  private static boolean reportedTwice(StackTraceElement... stack) {
    IllegalStateException thrown = new IllegalStateException("Promise already completed");
    thrown.setStackTrace(stack);
    return KnownVertxDefects.isFailedWriteReportedTwice(thrown);
  }

  private static final StackTraceElement FAIL = frame("io.vertx.core.Promise", "fail");
  private static final StackTraceElement COMPLETE = frame("io.vertx.core.Promise", "complete");
  private static final StackTraceElement EMIT = frame("io.vertx.core.impl.future.FutureBase", "emitResult");
  private static final StackTraceElement TASK = frame("io.vertx.core.impl.future.FutureBase$EmitResultTask", "run");
  private static final StackTraceElement RUN_TASK = frame("io.netty.util.concurrent.AbstractEventExecutor", "runTask");
  private static final StackTraceElement LOOP = frame("io.netty.channel.SingleThreadIoEventLoop", "run");
  private static final StackTraceElement THREAD = frame("java.lang.Thread", "run");

  @Test
  void aWriteThatHadFailedWhenTheOutboundConnectionListenedCountsWhoeverSent() {
    assertTrue(reportedTwice(FAIL, COMPLETE, TASK, frame("io.vertx.core.impl.ContextBase", "execute"), EMIT,
        frame("io.vertx.core.impl.future.FutureImpl", "addListener"), frame("io.vertx.core.impl.future.FutureBase", "onComplete"),
        frame("io.vertx.core.eventbus.impl.clustered.OutboundConnection", "writeMessage"),
        frame("io.vertx.core.eventbus.impl.EventBusImpl", "send"), frame("com.example.Sender", "send"), LOOP, THREAD));
  }

  @Test
  void aFailedWriteDeliveredToTheSendersContextByTheLoopCounts() {
    assertTrue(reportedTwice(FAIL, COMPLETE, TASK, RUN_TASK, LOOP, THREAD));
  }

  @Test
  void aWriteThatTheConnectionFailsCounts() {
    StackTraceElement delegating = frame("io.vertx.core.net.impl.DelegatingChannelPromise", "tryFailure");
    assertTrue(reportedTwice(FAIL, COMPLETE, EMIT, frame("io.vertx.core.impl.future.FutureImpl", "tryFail"),
        delegating, frame("io.netty.util.concurrent.DefaultPromise", "notifyListeners"),
        frame("io.netty.channel.ChannelOutboundBuffer", "failFlushed"), LOOP, THREAD), "failed as it was flushed");
    assertTrue(reportedTwice(FAIL, COMPLETE, EMIT, frame("io.vertx.core.impl.future.FutureImpl", "tryFail"),
        delegating, frame("io.vertx.core.net.impl.DelegatingChannelPromise", "setFailure"),
        frame("io.vertx.core.net.impl.VertxConnection$1", "cancel"),
        frame("io.vertx.core.net.impl.VertxConnection$InternalMessageChannel", "handleDispose"), LOOP, THREAD),
        "a queued write cancelled as the connection closed");
  }

  @Test
  void aFailureAfterAConnectionClosedThatIsNoWriteDoesNotCount() {
    assertFalse(reportedTwice(FAIL, COMPLETE, EMIT, frame("io.vertx.core.impl.future.FutureImpl", "tryFail"),
        frame("io.vertx.core.http.impl.http1.Http1ClientConnection", "handleClosed"),
        frame("io.netty.channel.AbstractChannel$AbstractUnsafe$7", "run"), LOOP, THREAD));
  }

  @Test
  void aPromiseCompletedTwiceByATimerDoesNotCount() {
    assertFalse(reportedTwice(FAIL, COMPLETE, EMIT, frame("io.vertx.core.impl.future.FutureImpl", "tryFail"),
        frame("io.vertx.core.impl.VertxImpl$InternalTimerHandler", "run"), RUN_TASK, LOOP, THREAD));
  }

  @Test
  void aPromiseCompletedTwiceFromTheToolkitsOrAUsersCodeDoesNotCount() {
    assertFalse(reportedTwice(FAIL, COMPLETE, EMIT, frame("org.vertxotp.cluster.impl.ClusterRouter", "start"),
        frame("io.vertx.core.net.impl.DelegatingChannelPromise", "tryFailure"), LOOP, THREAD));
    assertFalse(reportedTwice(FAIL, COMPLETE, EMIT, frame("com.example.Mine", "handle"), LOOP, THREAD));
  }

  @Test
  void aPromiseSucceededTwiceDoesNotCount() {
    assertFalse(reportedTwice(frame("io.vertx.core.Promise", "succeed"), COMPLETE, TASK, RUN_TASK, LOOP, THREAD));
  }

  private static boolean offLoopWrite(StackTraceElement... stack) {
    AssertionError thrown = new AssertionError();
    thrown.setStackTrace(stack);
    return KnownVertxDefects.isOffLoopWriteToClosedConnection(thrown);
  }

  private static final StackTraceElement UNSAFE_WRITE = frame("io.vertx.core.net.impl.VertxConnection", "unsafeWrite");
  private static final StackTraceElement DISPOSE = frame("io.vertx.core.net.impl.VertxConnection$InternalMessageChannel",
      "handleDispose");
  private static final StackTraceElement OUTBOUND = frame("io.vertx.core.eventbus.impl.clustered.OutboundConnection",
      "writeMessage");

  @Test
  void anEventBusMessageWrittenOffLoopToAClosedConnectionCountsAsVertxPrintedIt() {
    assertTrue(offLoopWrite(UNSAFE_WRITE, frame("io.vertx.core.net.impl.VertxConnection$1", "write"), DISPOSE,
        frame("io.vertx.core.internal.concurrent.OutboundMessageQueue", "write"), OUTBOUND,
        frame("io.vertx.core.eventbus.impl.clustered.ClusteredEventBus", "sendRemote"), TASK, RUN_TASK, LOOP, THREAD));
  }

  @Test
  void anAssertionOfAnotherWriteOrAnotherCodeDoesNotCountAsTheOffLoopWrite() {
    assertFalse(offLoopWrite(UNSAFE_WRITE, frame("io.vertx.core.net.impl.VertxConnection", "writeToChannel"), OUTBOUND,
        LOOP, THREAD), "a write to an open connection");
    assertFalse(offLoopWrite(UNSAFE_WRITE, DISPOSE, frame("io.vertx.core.http.impl.Http1xConnection", "write"), LOOP,
        THREAD), "not the event bus");
    assertFalse(offLoopWrite(UNSAFE_WRITE, DISPOSE, frame("com.example.Mine", "send"), OUTBOUND, LOOP, THREAD),
        "someone else's code between");
    assertFalse(offLoopWrite(frame("com.example.Mine", "unsafeWrite"), DISPOSE, OUTBOUND, LOOP, THREAD),
        "not Vert.x's assertion");
    AssertionError withMessage = new AssertionError("a test's own");
    withMessage.setStackTrace(new StackTraceElement[] {UNSAFE_WRITE, DISPOSE, OUTBOUND, LOOP, THREAD});
    assertFalse(KnownVertxDefects.isOffLoopWriteToClosedConnection(withMessage));
    assertFalse(KnownVertxDefects.isOffLoopWriteToClosedConnection(new IllegalStateException()));
  }
}
