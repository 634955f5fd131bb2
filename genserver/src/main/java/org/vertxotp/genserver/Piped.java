package org.vertxotp.genserver;

/**
 * What work piped with {@link GenServer#pipeToSelf} delivers to the server's {@code handleInfo}
 * once it completes: switch on the record type, match the tag the callback chose.
 */
public sealed interface Piped permits Piped.Succeeded, Piped.Failed {

  /** The value the callback tagged the work with. */
  Object tag();

  /** The work completed with {@code value}. */
  record Succeeded(Object tag, Object value) implements Piped {}

  /** The work failed with {@code cause}. */
  record Failed(Object tag, Throwable cause) implements Piped {}
}
