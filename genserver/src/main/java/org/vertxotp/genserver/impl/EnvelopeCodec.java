package org.vertxotp.genserver.impl;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Carries envelopes between servers of one Vert.x instance by reference: no copy, no
 * serialization. Envelopes are sent local-only, so the wire methods are never reached.
 */
final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {

  static final String NAME = "genserver-envelope";

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    throw new UnsupportedOperationException("genserver envelopes are local-only");
  }

  @Override
  public Envelope decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("genserver envelopes are local-only");
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
