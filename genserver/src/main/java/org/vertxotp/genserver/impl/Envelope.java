package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;

/** What travels to a server's mailbox. Passed by reference through the event bus (local codec). */
public sealed interface Envelope {

  /** The message handed to the callback, for error reports. */
  Object payload();

  record Call(Object payload, OutstandingCall from) implements Envelope {}

  record Cast(Object payload) implements Envelope {}

  record Info(Object payload) implements Envelope {}

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

  /** {@code GenServer.stop}: handled in mailbox order, like OTP's system stop message. */
  record Stop(ExitReason payload) implements Envelope {}
}
