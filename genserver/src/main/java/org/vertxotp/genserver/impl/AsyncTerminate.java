package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import org.vertxotp.genserver.ExitReason;

/**
 * For the toolkit's own servers whose stop is asynchronous work (a supervisor stops its children
 * before it is gone): the loop waits for this future, holding the mailbox, instead of calling
 * {@code terminate}. Its name and monitors are released only after it completed.
 */
public interface AsyncTerminate<S> {
  Future<Void> terminateAsync(ExitReason reason, S state);
}
