package org.vertxotp.genserver;

import java.util.Objects;

/**
 * One running server, like an Erlang pid: it names that incarnation only. A server restarted by
 * a supervisor has a new ref (its registered name, if any, moves to it).
 *
 * <p>A ref is plain data: the id of the node (one Vert.x instance of the toolkit) the server runs
 * on, and the server's id there. It may be stored, compared, sent in messages and encoded to
 * cross nodes. {@link #address()} is the server's own event-bus address, unique to it; plain
 * Vert.x programs on the server's node can send to it using the {@link WireFormat} (unless the
 * server was started with {@link StartOptions#setOwnAddress StartOptions.setOwnAddress(false)}).
 *
 * @param node the id of the node the server runs on
 * @param id   the server's id on that node, never reused
 */
public record ServerRef(String node, long id) implements Destination {
  public ServerRef {
    Objects.requireNonNull(node, "node");
  }

  /** The server's event-bus address: {@value WireFormat#SERVER_ADDRESS_PREFIX}{@code <node>.<id>}. */
  public String address() {
    return WireFormat.SERVER_ADDRESS_PREFIX + node + "." + id;
  }

  @Override
  public String toString() {
    return "<" + node + "." + id + ">";
  }
}
