package org.vertxotp.genserver;

/**
 * How a plain Vert.x program, knowing nothing of this toolkit, talks to a server over the event
 * bus.
 *
 * <h2>Addresses</h2>
 * A server listens at {@link ServerRef#address()}, and the holder of a registered name also at
 * {@link ServerName#address()} ({@value #NAME_ADDRESS_PREFIX}{@code <name>}).
 *
 * <h2>Requests</h2>
 * The body is a {@link io.vertx.core.json.JsonObject}, handed to the callback as it is. The
 * header {@value #KIND_HEADER} says which callback runs: {@value #KIND_CALL} ({@code handleCall}),
 * {@value #KIND_CAST} ({@code handleCast}) or {@value #KIND_INFO} ({@code handleInfo}). Without
 * the header, a {@code request} is a call and a {@code send} is a cast.
 *
 * <pre>{@code
 * vertx.eventBus().request("genserver.name.counter", new JsonObject().put("op", "get"),
 *     new DeliveryOptions().addHeader("genserver-kind", "call"))
 *   .onSuccess(msg -> System.out.println(msg.body()));
 * }</pre>
 *
 * <h2>Replies</h2>
 * The reply body is the value the server replied with; it must be a type the event bus carries
 * by default (JsonObject, JsonArray, String, numbers, Boolean, Buffer, byte[]). A failed call
 * fails the request with a {@link io.vertx.core.eventbus.ReplyException} whose
 * {@code failureCode()} is a {@link CallFailure#code()}: 400 bad message (a body that is not a
 * JsonObject, an unknown kind, or a request the server rejected) and 500 server exited (the
 * failure message names the reason). A reply value the event bus cannot carry also fails the
 * request with 500; the server lives on.
 */
public final class WireFormat {

  private WireFormat() {
  }

  /** Header naming the callback a plain message is for. */
  public static final String KIND_HEADER = "genserver-kind";
  public static final String KIND_CALL = "call";
  public static final String KIND_CAST = "cast";
  public static final String KIND_INFO = "info";

  /** Prefix of the event-bus address at which a name's holder listens. */
  public static final String NAME_ADDRESS_PREFIX = "genserver.name.";

  /** Prefix of a server's own event-bus address, followed by its node and id. */
  public static final String SERVER_ADDRESS_PREFIX = "genserver.server.";
}
