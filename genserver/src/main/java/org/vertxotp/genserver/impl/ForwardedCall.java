package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.RemoteNodes;

/**
 * A call that arrived from another node: answered straight from the server's context through the
 * cluster's sink, with no hop back to the context that received it. The caller's node keeps the
 * call's timeout; this side drops the call at the same timeout, so that a server that never
 * answers does not hold it for ever.
 */
final class ForwardedCall extends OutstandingCall {

  private final RemoteNodes.CallSink sink;
  private volatile org.vertxotp.genserver.time.Clock.Scheduled timer;

  private ForwardedCall(ServerProcess target, RemoteNodes.CallSink sink) {
    super(target);
    this.sink = sink;
  }

  /** Puts the call into {@code target}'s mailbox, or fails it at once as a local call would be. */
  static void deliver(Node node, ServerRef target, Object request, java.time.Duration timeout, RemoteNodes.CallSink sink) {
    ServerProcess server = node.table().resolve(target);
    if (server == null) {
      sink.fail(Router.noServer(target));
      return;
    }
    if (!server.admit()) {
      sink.fail(new CallException(CallFailure.OVERLOADED, server.ref() + " has a full mailbox"));
      return;
    }
    ForwardedCall call = new ForwardedCall(server, sink);
    if (!Router.isInfinite(timeout)) {
      // The caller has given up by then: what the call holds here (its place among the server's monitors) goes too.
      call.timer = node.clock().schedule(node.home(), TimerService.timeoutNanos(timeout),
          () -> call.fail(new CallException(CallFailure.TIMEOUT, "no reply from " + target + " in time")));
    }
    if (!call.place(new Envelope.Call(request, call), true)) {
      call.fail(Router.noServer(target)); // through the gate: a timeout that won meanwhile has answered already
    }
  }

  @Override
  void release() {
    org.vertxotp.genserver.time.Clock.Scheduled armed = timer;
    if (armed != null) {
      armed.cancel();
    }
  }

  @Override
  void onReply(Object value) {
    sink.reply(value);
  }

  @Override
  void onFailure(Throwable failure) {
    sink.fail(failure instanceof CallException call ? call
        : new CallException(CallFailure.SERVER_EXITED, String.valueOf(failure)));
  }
}
