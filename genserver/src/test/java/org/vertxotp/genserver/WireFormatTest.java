package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a plain Vert.x program, using only the documented wire format, sees. */
@ExtendWith(TestVertx.class)
class WireFormatTest {

  private static final DeliveryOptions CALL = new DeliveryOptions().addHeader("genserver-kind", "call");

  private JsonObject op(String op, int n) {
    return new JsonObject().put("op", op).put("n", n);
  }

  @Test
  void plainRequestWithAJsonObjectGetsTheJsonReply(Vertx vertx) {
    Await.result(GenServer.start(vertx, new Counter(), 40, new StartOptions().setName("counter")));
    EventBus bus = vertx.eventBus();

    Message<Object> added = Await.result(bus.request("genserver.name.counter", op("add", 2), CALL));
    assertEquals(new JsonObject().put("value", 42), added.body());

    bus.send("genserver.name.counter", op("add", 8)); // no header, no reply expected: a cast
    Message<Object> got = Await.result(bus.request("genserver.name.counter", new JsonObject().put("op", "get")));
    assertEquals(50, ((JsonObject) got.body()).getInteger("value"));
  }

  @Test
  void plainRequestToTheServersOwnAddressWorksToo(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Counter(), 1));
    Message<Object> got = Await.result(vertx.eventBus().request(ref.address(), op("get", 0), CALL));
    assertEquals(1, ((JsonObject) got.body()).getInteger("value"));
  }

  @Test
  void aServerStartedWithoutItsOwnAddressIsReachedByRefThroughTheToolkitAndByNameButNotAtItsAddress(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Counter(), 3,
        new StartOptions().setName("quiet").setOwnAddress(false)));

    ReplyException none = assertInstanceOf(ReplyException.class,
        Await.failure(vertx.eventBus().request(ref.address(), op("get", 0), CALL)));
    assertEquals(ReplyFailure.NO_HANDLERS, none.failureType());

    assertEquals(new JsonObject().put("value", 4), Await.result(GenServer.call(vertx, ref, op("add", 1))));
    Message<Object> byName = Await.result(vertx.eventBus().request("genserver.name.quiet", op("get", 0), CALL));
    assertEquals(4, ((JsonObject) byName.body()).getInteger("value"));
    Await.result(GenServer.stop(vertx, ref));
    assertEquals(0, GenServer.stats(vertx).servers());
  }

  @Test
  void garbageBodyGetsBadMessageAndTheServerKeepsItsState(Vertx vertx) {
    ServerRef ref = Await.result(GenServer.start(vertx, new Counter(), 0, new StartOptions().setName("counter")));
    assertEquals(new JsonObject().put("value", 5), Await.result(GenServer.call(vertx, ref, op("add", 5))));

    ReplyException garbage = assertInstanceOf(ReplyException.class,
        Await.failure(vertx.eventBus().request(ref.address(), "garbage")));
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, garbage.failureType());
    assertEquals(CallFailure.BAD_MESSAGE.code(), garbage.failureCode());

    ReplyException unknownKind = assertInstanceOf(ReplyException.class, Await.failure(vertx.eventBus()
        .request(ref.address(), op("get", 0), new DeliveryOptions().addHeader("genserver-kind", "dance"))));
    assertEquals(CallFailure.BAD_MESSAGE.code(), unknownKind.failureCode());

    ReplyException rejected = assertInstanceOf(ReplyException.class,
        Await.failure(vertx.eventBus().request(ref.address(), op("fly", 0), CALL)));
    assertEquals(CallFailure.BAD_MESSAGE.code(), rejected.failureCode());
    assertTrue(rejected.getMessage().contains("unknown op fly"), rejected.getMessage());

    assertEquals(new JsonObject().put("value", 5), Await.result(GenServer.call(vertx, ref, op("get", 0))));
  }

  @Test
  void plainCallerOfAServerThatCrashesFailsAtOnceWithServerExited(Vertx vertx) {
    GenServer<Void, Void> crasher = new GenServer<>() {
      @Override
      public InitResult<Void> init(Void args) {
        return Results.ok(null);
      }

      @Override
      public CallResult<Void> handleCall(Object request, From from, Void state) {
        throw new IllegalStateException("kaput");
      }
    };
    ServerRef ref = Await.result(GenServer.start(vertx, crasher, null));
    ReplyException e = assertInstanceOf(ReplyException.class,
        Await.failure(vertx.eventBus().request(ref.address(), new JsonObject(), CALL)));
    assertEquals(CallFailure.SERVER_EXITED.code(), e.failureCode());
    assertTrue(e.getMessage().contains("kaput"), e.getMessage());
  }
}
