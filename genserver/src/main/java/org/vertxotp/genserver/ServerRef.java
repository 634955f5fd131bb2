package org.vertxotp.genserver;

import java.util.Objects;

/**
 * One running server, like an Erlang pid: it names that incarnation only. A server restarted by
 * a supervisor has a new ref (its registered name, if any, moves to it).
 *
 * <p>{@link #address()} is the server's own event-bus address, unique to it; plain Vert.x
 * programs can send to it using the {@link WireFormat}. A ref is a plain value: it may be
 * stored, compared and sent in messages.
 */
public record ServerRef(String address) implements Destination {
  public ServerRef {
    Objects.requireNonNull(address, "address");
  }

  @Override
  public String toString() {
    return "<" + address + ">";
  }
}
