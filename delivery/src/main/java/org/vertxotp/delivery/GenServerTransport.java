package org.vertxotp.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;

/**
 * Delivers to gen_servers: each attempt is a call to the server registered under the target name
 * (resolved at each attempt, so a restarted server is found), with the payload as the request.
 * A reply is delivered. {@code NO_SERVER} (the target is gone), {@code BAD_MESSAGE} and
 * {@code CALLING_SELF} are permanent; {@code TIMEOUT}, {@code SERVER_EXITED} and
 * {@code OVERLOADED} are transient. One worker per server name.
 */
public final class GenServerTransport implements Transport {

  private final Vertx vertx;
  private final Duration callTimeout;

  /** @param callTimeout how long one attempt waits for the server's reply */
  public GenServerTransport(Vertx vertx, Duration callTimeout) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
  }

  /** Every attempt ends by its call timeout. */
  @Override
  public Optional<Duration> attemptBound() {
    return Optional.of(callTimeout);
  }

  /**
   * None: a follow-up has its own short schedule, and one server's failures must not hold the
   * others' follow-ups back (set one in the options to have it).
   */
  @Override
  public BreakerPolicy defaultBreaker() {
    return BreakerPolicy.none();
  }

  @Override
  public String destinationOf(String target) {
    return target;
  }

  @Override
  public Future<Outcome> send(Delivery delivery, int attempt) {
    return GenServer.call(vertx, ServerName.of(delivery.target()), delivery.payload().copy(), callTimeout) // the target gets its own
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? new Outcome.Delivered(0) : classify(delivery, ar.cause())));
  }

  static Outcome classify(Delivery delivery, Throwable failure) {
    if (!(failure instanceof CallException call)) {
      return new Outcome.Transient(0, String.valueOf(failure));
    }
    switch (call.failure()) {
      case NO_SERVER:
        return new Outcome.Permanent(0, "target gone: no server named " + delivery.target());
      case BAD_MESSAGE:
      case CALLING_SELF:
        return new Outcome.Permanent(0, call.failure() + ": " + call.getMessage());
      default:
        return new Outcome.Transient(0, call.failure() + ": " + call.getMessage());
    }
  }
}
