package org.vertxotp.bench;

import java.util.ArrayList;
import java.util.List;
import org.vertxotp.delivery.engine.Effect;
import org.vertxotp.delivery.engine.Event;
import org.vertxotp.delivery.engine.RetryEngine;

/** Drives a retry engine whose store keeps every write at once, as the in-memory store does. */
final class KeptWrites {

  private KeptWrites() {
  }

  /** Applies {@code event}, then the store's answer to every write it (and its answers) asked for; every effect, in order. */
  static List<Effect> apply(RetryEngine engine, Event event, long now) {
    List<Effect> all = new ArrayList<>();
    List<Effect> effects = engine.apply(event, now);
    all.addAll(effects);
    for (Effect effect : effects) {
      if (effect instanceof Effect.Write write) {
        all.addAll(apply(engine, new Event.Written(write.id(), write.version()), now));
      }
    }
    return all;
  }
}
