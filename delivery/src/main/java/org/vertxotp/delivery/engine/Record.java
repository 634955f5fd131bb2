package org.vertxotp.delivery.engine;

import org.vertxotp.delivery.DeadLetter;
import org.vertxotp.delivery.spi.StoredDelivery;

/** What the store is to hold for one delivery id: exactly one of these, written whole. */
public sealed interface Record {

  /** A pending delivery, with its schedule; any dead letter of the id is forgotten in the same step. */
  record Pending(StoredDelivery delivery) implements Record {}

  /** A dead letter; any pending record of the id is forgotten in the same step. */
  record Dead(DeadLetter letter) implements Record {}

  /** Nothing: delivered, dropped, cancelled, or taken back. */
  record Gone() implements Record {}
}
