package org.vertxotp.genserver.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.invoke.VarHandle;

/**
 * A one-time outcome kept in a single volatile field of its owner, with a promise made only if
 * someone waits before it is known. Most outcomes a server keeps (its exit, its deployment
 * settling) are never waited for, and a promise apiece costs more than the field. The field holds
 * null (pending, nobody waiting), a {@link Promise} (pending, waited for), or the outcome. Any thread.
 */
final class LazyOutcome {

  /** The outcome {@code null}, as stored. */
  private static final Object NULL = new Object();

  private LazyOutcome() {
  }

  /** The outcome in {@code field} of {@code owner}, as a future. */
  @SuppressWarnings("unchecked")
  static <T> Future<T> future(VarHandle field, Object owner) {
    for (;;) {
      Object state = field.getVolatile(owner);
      if (state instanceof Promise<?> waited) {
        return ((Promise<T>) waited).future();
      }
      if (state != null) {
        return Future.succeededFuture(state == NULL ? null : (T) state);
      }
      Promise<T> promise = Promise.promise();
      if (field.compareAndSet(owner, null, promise)) {
        return promise.future();
      }
    }
  }

  /** Sets the outcome once; later calls do nothing. */
  @SuppressWarnings("unchecked")
  static void complete(VarHandle field, Object owner, Object outcome) {
    Object stored = outcome == null ? NULL : outcome;
    for (;;) {
      Object state = field.getVolatile(owner);
      if (state != null && !(state instanceof Promise<?>)) {
        return; // already known
      }
      if (field.compareAndSet(owner, state, stored)) {
        if (state != null) {
          ((Promise<Object>) state).tryComplete(outcome);
        }
        return;
      }
    }
  }
}
