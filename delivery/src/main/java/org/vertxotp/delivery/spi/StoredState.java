package org.vertxotp.delivery.spi;

import java.util.List;
import org.vertxotp.delivery.DeadLetter;

/** What a store holds for one worker: its pending deliveries and its dead letters. */
public record StoredState(List<StoredDelivery> pending, List<DeadLetter> deadLetters) {

  public StoredState {
    pending = List.copyOf(pending);
    deadLetters = List.copyOf(deadLetters);
  }

  public static StoredState empty() {
    return new StoredState(List.of(), List.of());
  }
}
