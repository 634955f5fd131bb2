package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocking helpers for the test thread (never an event loop), each bounded in time. */
public final class Await {

  private Await() {
  }

  public static <T> T result(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within 10 s", e);
    }
  }

  public static Throwable failure(Future<?> future) {
    try {
      future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within 10 s", e);
    } catch (Throwable t) {
      return t;
    }
    return fail("expected a failure, got " + future.result());
  }

  /** Waits for {@code future} to complete, either way. */
  public static void failureOrResult(Future<?> future) {
    try {
      future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within 10 s", e);
    } catch (Throwable expected) {
      // completed, with a failure
    }
  }

  public static CallException callFailure(Future<?> future, CallFailure expected) {
    Throwable t = failure(future);
    CallException e = assertInstanceOf(CallException.class, t);
    assertTrue(e.failure() == expected, "expected " + expected + " but was " + e.failure() + ": " + e.getMessage());
    return e;
  }

  public static <T> T next(BlockingQueue<T> queue) {
    try {
      T item = queue.poll(10, TimeUnit.SECONDS);
      if (item == null) {
        throw new AssertionError("nothing arrived within 10 s");
      }
      return item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Asserts that nothing arrives on {@code queue} for {@code millis}. */
  public static void nothingFor(BlockingQueue<?> queue, long millis) {
    try {
      Object item = queue.poll(millis, TimeUnit.MILLISECONDS);
      if (item != null) {
        throw new AssertionError("expected nothing, got " + item);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits (up to 10 s, polling) until {@code condition} holds. */
  public static void until(java.util.function.BooleanSupplier condition, String what) {
    until(condition, what, 10);
  }

  /** Waits (up to {@code seconds}, polling) until {@code condition} holds: for what a cluster does slowly. */
  public static void until(java.util.function.BooleanSupplier condition, String what, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Asserts that nothing runs or waits in {@code vertx}'s toolkit: no server, name, call, timer or monitor. */
  public static void idle(io.vertx.core.Vertx vertx) {
    NodeStats stats = GenServer.stats(vertx);
    assertTrue(stats.isIdle(), "expected nothing left, got " + stats);
  }

  public static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
