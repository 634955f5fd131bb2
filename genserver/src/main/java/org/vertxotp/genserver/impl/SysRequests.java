package org.vertxotp.genserver.impl;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.vertxotp.genserver.sys.ServerStatistics;
import org.vertxotp.genserver.sys.ServerStatus;

/**
 * OTP's {@code sys} for one server: answers system requests between callbacks (state, status,
 * suspend and resume, statistics) and keeps the statistics. Confined to the server's context,
 * but for the count of answered calls, which a {@code From} may bump from anywhere.
 */
final class SysRequests<S> {

  private static final AtomicLongFieldUpdater<SysRequests> ANSWERED =
      AtomicLongFieldUpdater.newUpdater(SysRequests.class, "callsAnswered");

  private final ServerLoop<?, S> loop;
  private long startedAtMillis;
  /** Read by metrics from other threads; a stale value there is harmless. */
  long messagesHandled;
  private volatile long callsAnswered;
  private boolean timing;
  private boolean everTimed;
  private long callbackNanos;

  SysRequests(ServerLoop<?, S> loop) {
    this.loop = loop;
  }

  void started() {
    startedAtMillis = loop.process.node.clock().currentTimeMillis();
    timing = loop.process.node.observer().timesCallbacks();
    everTimed = timing;
  }

  /** A callback is about to run: counted, and timed while timing is on. Returns what {@link #callbackEnded} needs. */
  long callbackBegins() {
    messagesHandled++;
    return timing ? System.nanoTime() : 0;
  }

  void callbackEnded(long began) {
    if (began != 0) {
      callbackNanos += System.nanoTime() - began;
    }
  }

  /** A caller of this server was answered. Any thread. */
  void answered() {
    ANSWERED.incrementAndGet(this);
  }



  /** Answers one system request; a request that fails (a throwing replace function) is rejected, the server lives on. */
  @SuppressWarnings("unchecked")
  void answer(Envelope.System request) {
    Object answer;
    try {
      SysRequest asked = request.payload();
      if (asked instanceof SysRequest.GetState) {
        answer = loop.state;
      } else if (asked instanceof SysRequest.ReplaceState replace) {
        S replaced = (S) replace.replace().apply(loop.state);
        loop.state = replaced;
        answer = replaced;
      } else if (asked instanceof SysRequest.GetStatus) {
        answer = status();
      } else if (asked instanceof SysRequest.Suspend) {
        loop.suspended = true;
        answer = null;
      } else if (asked instanceof SysRequest.Resume) {
        loop.suspended = false;
        answer = null;
      } else {
        Boolean enable = ((SysRequest.Statistics) asked).enable();
        if (enable != null) {
          timing = enable;
          everTimed |= enable;
        }
        answer = statistics();
      }
    } catch (Throwable e) { // a replace function that fails leaves the state as it was, whatever it threw
      request.from().reject("sys request failed: " + e);
      return;
    }
    request.from().reply(answer);
  }

  private ServerStatus status() {
    ServerProcess process = loop.process;
    Object shown;
    try {
      shown = loop.behaviour.formatStatus(loop.state);
    } catch (RuntimeException e) {
      shown = "formatStatus failed: " + e;
    }
    return new ServerStatus(process.ref(), Optional.ofNullable(process.name()), loop.suspended, loop.waiting(),
        process.pendingTimers(), process.ownMonitors.count(), process.signals.monitorCount(),
        loop.behaviour.getClass().getName(), shown);
  }

  private ServerStatistics statistics() {
    Mailbox mailbox = loop.process.mailbox;
    return new ServerStatistics(startedAtMillis, messagesHandled, callsAnswered,
        everTimed ? Optional.of(Duration.ofNanos(callbackNanos)) : Optional.empty(), mailbox.dropped(), mailbox.refused());
  }
}
