package org.vertxotp.genserver;

import java.util.Objects;

/**
 * A registered name. At most one running server holds a given name in a Vert.x instance; a
 * message to a name goes to its holder at the moment of sending. The name's holder also
 * receives messages sent to the event-bus address {@link #address()}.
 */
public record ServerName(String name) implements Destination {
  public ServerName {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a server name must not be empty");
    }
  }

  public static ServerName of(String name) {
    return new ServerName(name);
  }

  /** The event-bus address at which the holder of this name also listens. */
  public String address() {
    return WireFormat.NAME_ADDRESS_PREFIX + name;
  }

  @Override
  public String toString() {
    return name;
  }
}
