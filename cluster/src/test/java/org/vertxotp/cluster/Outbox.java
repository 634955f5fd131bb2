package org.vertxotp.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.vertxotp.cluster.delivery.HazelcastDeliveryStore;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.supervisor.ChildSpec;

/** The delivery service "outbox" as the tests run it in a cluster: its state in Hazelcast, a singleton. */
final class Outbox {

  static final String NAME = "outbox";
  static final int CONCURRENCY = 4;

  private Outbox() {
  }

  static Future<DeliveryService> start(Vertx vertx) {
    return HazelcastDeliveryStore.of(vertx).compose(store -> DeliveryService.start(vertx, NAME,
        new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1")),
        new DeliveryWorkerOptions().setStore(store).setMaxConcurrency(CONCURRENCY)));
  }

  /** The service as a cluster singleton: whichever node runs it, with the store every node shares. */
  static ChildSpec singleton() {
    return ChildSpec.of(NAME, (vertx, options, args) -> start(vertx)
        .map(service -> GenServer.whereisLocal(vertx, ServerName.of(NAME)).orElseThrow())).withName(NAME);
  }

  static Future<ServerRef> keeper(Vertx vertx) {
    return ClusterSingleton.start(vertx, singleton());
  }
}
