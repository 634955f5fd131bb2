package org.vertxotp.genserver.sys;

import java.util.Optional;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;

/**
 * A server's status as OTP's {@code sys:get_status} gives it, read between two of its callbacks.
 *
 * @param server       the server
 * @param name         its registered name, if any
 * @param suspended    true while suspended by {@link Sys#suspend}
 * @param mailbox      messages waiting for it (set aside while suspended included)
 * @param timers       timers it owns that are pending (its result timeout included)
 * @param monitors     monitors it set up that are still active
 * @param monitoredBy  monitors of it: by servers, handlers, and its callers waiting for a reply
 * @param module       the class of its callbacks
 * @param state        what its {@code formatStatus} makes of its state (by default the state itself)
 */
public record ServerStatus(ServerRef server, Optional<ServerName> name, boolean suspended, int mailbox, int timers,
                           int monitors, int monitoredBy, String module, Object state) {
}
