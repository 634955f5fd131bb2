package org.vertxotp.genserver;

/**
 * The crash cause when a callback returns something the loop cannot act on: {@code null}, a
 * reply from a callback that has no caller, or a result a future completed with that its
 * callback could not have returned. Names the callback and the class of the message it handled.
 */
public final class BadReturnException extends RuntimeException {

  private final String callback;
  private final String messageClass;

  public BadReturnException(String callback, Object message, Object returned) {
    super("bad return value from " + callback + " handling " + classOf(message) + ": " + returned);
    this.callback = callback;
    this.messageClass = classOf(message);
  }

  private static String classOf(Object message) {
    return message == null ? "null" : message.getClass().getName();
  }

  /** The callback that returned it, e.g. {@code handleCast}. */
  public String callback() {
    return callback;
  }

  /** The class name of the message the callback was handling. */
  public String messageClass() {
    return messageClass;
  }
}
