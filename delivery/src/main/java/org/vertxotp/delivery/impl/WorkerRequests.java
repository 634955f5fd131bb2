package org.vertxotp.delivery.impl;

import java.util.List;
import org.vertxotp.delivery.Delivery;

/** The calls a delivery worker answers; see {@code DeliveryWorker}. */
public final class WorkerRequests {

  private WorkerRequests() {
  }

  public record Enqueue(Delivery delivery, long delayMillis) {}

  public record Flush() {}

  public record Cancel(String id) {}

  public record Status(String id) {}

  public record Pending() {}

  public record DeadLetters() {}

  public record Redrive(List<String> ids, double perSecond) {}

  public record Stats() {}

  /** The answer to a change the store did not keep (the change was undone): the client's future fails with it. */
  public record NotStored(String reason) {}
}
