package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.Timeout;


/**
 * What waits in a server's mailbox. Put there directly by the sender (never through the event
 * bus), so that a server's mailbox holds what was sent to it in the order it was sent.
 */
sealed interface Envelope {

  /** The message handed to the callback, for error reports. */
  Object payload();

  record Call(Object payload, OutstandingCall from) implements Envelope {}

  record Cast(Object payload) implements Envelope {}

  record Info(Object payload) implements Envelope {}

  /** A result's {@code continue}: held apart from the mailbox and handled before it. */
  record Continue(Object payload) implements Envelope {}

  /** A monitor fired; dropped if it was demonitored with flush before it is handled. */
  record MonitorDown(ServerMonitor monitor, Down payload) implements Envelope {}

  /** A keyed timer fired; handled only if it is still its key's current timer. */
  record KeyedTimer(TimerEntry entry) implements Envelope {
    @Override
    public Object payload() {
      return entry.message;
    }
  }

  /** The result timeout armed after message {@code generation} fired; stale once another message was handled. */
  record ResultTimeout(long generation) implements Envelope {
    @Override
    public Object payload() {
      return Timeout.INSTANCE;
    }
  }

  /** The outcome of work piped with {@code pipeToSelf}: an info; dropped and counted if the server stopped first. */
  record Piped(Object payload) implements Envelope {}

  /** {@code GenServer.stop}: handled in mailbox order, like OTP's system stop message. */
  record Stop(ExitReason payload) implements Envelope {}

  /** A request of OTP's {@code sys}: handled in mailbox order between callbacks, even while suspended. */
  record System(SysRequest payload, OutstandingCall from) implements Envelope {}
}
