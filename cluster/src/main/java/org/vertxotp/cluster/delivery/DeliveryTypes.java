package org.vertxotp.cluster.delivery;

import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryStats;
import org.vertxotp.delivery.DeliveryStatus;
import org.vertxotp.delivery.impl.Reviver;
import org.vertxotp.delivery.impl.WorkerRequests;

/**
 * The delivery module's requests and answers, as they cross nodes: what {@code DeliveryWorker}'s
 * calls and the service's reviver send and get back. Registered on every node by
 * {@code GenServerCluster.join} when the delivery module is on the class path; a user registers
 * nothing.
 */
public final class DeliveryTypes {

  private DeliveryTypes() {
  }

  /** Carries the delivery module's messages in {@code types}. */
  public static void register(MessageTypes types) {
    types.register(Delivery.class)
        .register(DeadLetter.class)
        .register(DeliveryStatus.class)
        .register(DeliveryStats.class)
        .register(WorkerRequests.Enqueue.class)
        .register(WorkerRequests.Flush.class)
        .register(WorkerRequests.Cancel.class)
        .register(WorkerRequests.Status.class)
        .register(WorkerRequests.Pending.class)
        .register(WorkerRequests.DeadLetters.class)
        .register(WorkerRequests.Redrive.class)
        .register(WorkerRequests.Stats.class)
        .register(WorkerRequests.NotStored.class)
        .register(Reviver.StartWorker.class);
  }
}
