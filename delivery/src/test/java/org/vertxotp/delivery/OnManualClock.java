package org.vertxotp.delivery;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.genserver.time.ManualClock;

/** A test with a Vert.x of its own whose toolkit clock only moves when the test advances it. */
@ExtendWith(TestVertx.class)
abstract class OnManualClock {

  protected Vertx vertx;
  protected ManualClock clock;

  @BeforeEach
  void installManualClock(Vertx vertx) {
    this.vertx = vertx;
    this.clock = ManualClock.install(vertx);
  }
}
