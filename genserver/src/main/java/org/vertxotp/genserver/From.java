package org.vertxotp.genserver;

/**
 * The caller of one {@code call}, for answering later (OTP's {@code From} with
 * {@code gen_server:reply/2}): return {@link Results#noreply} from {@code handleCall}, keep the
 * {@code From}, and {@link #reply} when the answer is known.
 *
 * <p>Thread-safe; meant to be used from the server's own context. A {@code From} completes at
 * most once. A reply to a caller that already gave up (timed out) is dropped silently; the
 * server is not told.
 */
public interface From {

  /**
   * Sends {@code value} to the caller.
   *
   * @throws IllegalStateException if this caller was already answered
   */
  void reply(Object value);

  /**
   * Fails the caller with {@link CallFailure#BAD_MESSAGE} and {@code why}.
   *
   * @throws IllegalStateException if this caller was already answered
   */
  void reject(String why);

  /** True once {@link #reply} or {@link #reject} was called. */
  boolean isAnswered();
}
