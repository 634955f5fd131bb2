package org.vertxotp.delivery;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One thing to deliver, once: an activity to a peer's inbox, or a follow-up message to a server.
 * Its id is the idempotency key the peer sees on every attempt; enqueueing an id that is already
 * pending changes nothing.
 *
 * @param id      unique per delivery, chosen by the application (re-sent as is on every attempt):
 *                1 to {@value #MAX_ID_LENGTH} visible ASCII characters, such as the activity's URL
 * @param target  where it goes: an inbox URL for the HTTP transport, a server name for the
 *                gen_server transport
 * @param payload what is sent: the activity's JSON, or the request a server's handleCall receives
 */
public record Delivery(String id, String target, JsonObject payload) {
  public Delivery {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(payload, "payload");
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("a delivery id is 1 to " + MAX_ID_LENGTH
          + " visible ASCII characters (it travels as a header value): " + id);
    }
    if (target.isBlank()) {
      throw new IllegalArgumentException("a delivery needs a target");
    }
  }

  /** The longest id: it travels as a header value and is a key in the store. */
  public static final int MAX_ID_LENGTH = 1024;

  /** This delivery with a copy of its payload, which the caller can then change without changing what is sent. */
  public Delivery withOwnPayload() {
    return new Delivery(id, target, payload.copy());
  }
}
