package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.ServerRef;


/**
 * Told once, on the stopping server's context, that a monitored server stopped. Implementations
 * must be quick: they hand their work to a context as a task of its own, never run it inline.
 */
interface DownListener {
  void down(ServerRef server, ExitReason reason);
}
