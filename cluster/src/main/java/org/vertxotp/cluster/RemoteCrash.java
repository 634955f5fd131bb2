package org.vertxotp.cluster;

/**
 * A crash that happened on another node, as it arrives here: the class and message of the
 * throwable that ended the server there. The throwable itself does not cross nodes (that would
 * take Java serialization).
 */
public final class RemoteCrash extends RuntimeException {

  private final String type;

  public RemoteCrash(String type, String message) {
    super(type + (message == null ? "" : ": " + message), null, false, false);
    this.type = type;
  }

  /** The class name of the throwable on the node where the server crashed. */
  public String type() {
    return type;
  }
}
