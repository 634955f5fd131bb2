package org.vertxotp.delivery;

/**
 * How a plain Vert.x program, knowing nothing of this toolkit, enqueues a delivery over the event
 * bus (clustered or not).
 *
 * <h2>Address</h2>
 * Every node that runs a part of the service {@code <service>} listens at
 * {@value #ADDRESS_PREFIX}{@code <service>}; the event bus hands each request to one of them, and
 * that node enqueues where the service's placement puts the destination.
 *
 * <h2>Request</h2>
 * A {@code request} whose body is a {@link io.vertx.core.json.JsonObject}:
 * {@code {"id": "...", "target": "https://peer.example/inbox", "payload": {...}}}, and optionally
 * {@code "delayMillis"} (0 or more: due that long after it is stored).
 *
 * <pre>{@code
 * vertx.eventBus().request("genserver.delivery.enqueue.outbox", new JsonObject()
 *         .put("id", activityId).put("target", inbox).put("payload", activity))
 *     .onSuccess(reply -> ...);            // {"accepted": true}: stored; false: that id was already pending
 * }</pre>
 *
 * <h2>Reply</h2>
 * {@code {"accepted": true}} once the service's store has the delivery, {@code {"accepted": false}}
 * if that id was already pending (nothing changed). Otherwise the request fails with a
 * {@link io.vertx.core.eventbus.ReplyException} whose {@code failureCode()} says why:
 * {@value #BAD_REQUEST} (the body is not a delivery: the message names the field),
 * {@value #NOT_STORED} (the store did not keep it: not accepted, send it again), or the code of the
 * gen_server call that failed ({@code org.vertxotp.genserver.CallFailure#code()}: 404 no worker
 * could be started, 504 no answer in time: the outcome is unknown, send it again; the id keeps a
 * second send from being a second delivery), or 500 for anything else (the message says what).
 */
public final class DeliveryWireFormat {

  private DeliveryWireFormat() {
  }

  /** Prefix of the address at which the service's parts take enqueues. */
  public static final String ADDRESS_PREFIX = "genserver.delivery.enqueue.";

  /** The body is not a delivery. */
  public static final int BAD_REQUEST = 400;

  /** The store did not keep the delivery: it was not accepted. */
  public static final int NOT_STORED = 507;

  /** The address at which the parts of {@code service} take enqueues. */
  public static String address(String service) {
    return ADDRESS_PREFIX + service;
  }
}
