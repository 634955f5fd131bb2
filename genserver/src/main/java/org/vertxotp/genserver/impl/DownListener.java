package org.vertxotp.genserver.impl;

import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.ServerRef;

/**
 * Told once, on the stopping server's thread, that a monitored server stopped. Implementations
 * must be quick and must not throw; they hand work to their own context.
 */
public interface DownListener {
  void down(ServerRef server, ExitReason reason);
}
