package org.vertxotp.delivery;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One thing to deliver, once: an activity to a peer's inbox, or a follow-up message to a server.
 * Its id is the idempotency key the peer sees on every attempt; enqueueing an id that is already
 * pending changes nothing.
 *
 * @param id      unique per delivery, chosen by the application (re-sent as is on every attempt)
 * @param target  where it goes: an inbox URL for the HTTP transport, a server name for the
 *                gen_server transport
 * @param payload what is sent: the activity's JSON, or the request a server's handleCall receives
 */
public record Delivery(String id, String target, JsonObject payload) {
  public Delivery {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(payload, "payload");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("a delivery needs an id");
    }
  }
}
