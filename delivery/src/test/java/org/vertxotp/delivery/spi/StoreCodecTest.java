package org.vertxotp.delivery.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.Delivery;

/** What a store keeps is read back as it was written, and what is not a record is refused whole. */
class StoreCodecTest {

  private static final Delivery DELIVERY = new Delivery("create-1", "https://peer.example/inbox",
      new JsonObject().put("type", "Create").put("n", 1));

  @Test
  void aPendingDeliveryAndADeadLetterAreReadBackAsTheyWereWritten() {
    StoredDelivery pending = new StoredDelivery(DELIVERY, 7, 2, 123_456, 503, "busy", 1_000, 2_000);
    assertEquals(pending, StoreCodec.storedDelivery(new JsonObject(StoreCodec.encode(pending).encode())));
    StoredDelivery fresh = new StoredDelivery(DELIVERY, 1, 0, 5, 0, null, 0, 0);
    assertEquals(fresh, StoreCodec.storedDelivery(StoreCodec.encode(fresh)), "no failure yet: no reason");
    DeadLetter letter = new DeadLetter(DELIVERY, 6, 410, "HTTP 410 Gone", 1_000, 9_000);
    assertEquals(letter, StoreCodec.deadLetter(new JsonObject(StoreCodec.encode(letter).encode())));
  }

  @Test
  void whatIsNotARecordIsRefusedNamingWhatIsWrong() {
    JsonObject noSequence = StoreCodec.encode(new StoredDelivery(DELIVERY, 7, 2, 1, 0, null, 0, 0));
    noSequence.remove("sequence");
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> StoreCodec.storedDelivery(noSequence));
    assertTrue(refused.getMessage().contains("sequence"), refused.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StoreCodec.storedDelivery(new JsonObject().put("delivery", "x")));
    assertThrows(IllegalArgumentException.class, () -> StoreCodec.deadLetter(new JsonObject()));
    JsonObject noId = StoreCodec.encode(new DeadLetter(DELIVERY, 1, 0, "r", 1, 1));
    noId.getJsonObject("delivery").remove("id");
    assertThrows(IllegalArgumentException.class, () -> StoreCodec.deadLetter(noId));
  }
}
