package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.noreply;
import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reply;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A server fenced by a lease acts only while the lease is valid: once it lapsed the server handles
 * nothing more, does not run terminate, and exits with {@code {shutdown, lease_lapsed}}.
 */
@ExtendWith(TestVertx.class)
class LeaseTest {

  private static final ExitReason LAPSED = ExitReason.shutdown(Lease.LAPSED);

  /** A lease the test grants and takes back; a node's lease lapses the same way, by time, and tells its holders. */
  static class Switch implements Lease {
    volatile boolean valid = true;
    final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    @Override
    public boolean isValid() {
      return valid;
    }

    @Override
    public Subscription onChange(Runnable changed) {
      Runnable own = changed::run; // its own identity: one subscription removes one entry
      listeners.add(own);
      return () -> listeners.remove(own);
    }

    /** The lease lapses and its holders are told (as a node's lease tells them on its next round). */
    void lapseAndTell() {
      valid = false;
      listeners.forEach(Runnable::run);
    }
  }

  /** Records what it handles and whether terminate ran, in the queue it is given. */
  static final class Recording implements GenServer<BlockingQueue<Object>, BlockingQueue<Object>> {
    @Override
    public InitResult<BlockingQueue<Object>> init(BlockingQueue<Object> events) {
      events.add("init");
      return ok(events);
    }

    @Override
    public CallResult<BlockingQueue<Object>> handleCall(Object request, From from, BlockingQueue<Object> events) {
      events.add(request);
      return reply("handled " + request, events);
    }

    @Override
    public NoReplyResult<BlockingQueue<Object>> handleInfo(Object message, BlockingQueue<Object> events) {
      events.add(message);
      return noreply(events);
    }

    @Override
    public void terminate(ExitReason reason, BlockingQueue<Object> events) {
      events.add("terminate " + reason);
    }
  }

  private static ServerRef start(Vertx vertx, Switch lease, BlockingQueue<Object> events) {
    ServerRef server = Await.result(GenServer.start(vertx, new Recording(), events,
        new StartOptions().setName("fenced").setLease(lease)));
    assertEquals("init", Await.next(events));
    return server;
  }

  @Test
  void anIdleServerWhoseLeaseLapsesExitsAtOnceWithoutTerminateAndItsNameIsFree(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = start(vertx, lease, events);
    assertEquals("handled one", Await.result(GenServer.call(vertx, server, "one")), "it acts while the lease holds");
    assertEquals("one", Await.next(events));
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, server, downs::add);

    lease.lapseAndTell();
    assertEquals(LAPSED, Await.next(downs).reason());
    Await.nothingFor(events, 200); // terminate did not run
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("fenced")).isEmpty(), "the name is free");
    assertEquals(List.of(), lease.listeners, "it no longer watches the lease");
  }

  @Test
  void aServerWhoseLeaseLapsedUntoldHandlesNoMoreMessagesAndItsCallerFailsAtOnce(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = start(vertx, lease, events);
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, server, downs::add);

    lease.valid = false; // lapsed by time, as after a pause: nobody told the server yet
    long start = System.nanoTime();
    Future<Object> call = GenServer.call(vertx, server, "a call", Duration.ofSeconds(30));
    GenServer.send(vertx, server, "an info after it");
    CallException failed = Await.callFailure(call, CallFailure.SERVER_EXITED);
    assertTrue(Await.millisSince(start) < 5_000, "the caller failed at once");
    assertEquals(java.util.Optional.of(LAPSED), failed.reason());
    assertEquals(LAPSED, Await.next(downs).reason());
    Await.nothingFor(events, 200); // neither message handled, terminate not run
    assertEquals(List.of(), lease.listeners);
  }

  @Test
  void aStopAskedOfAServerWhoseLeaseLapsedDoesNotRunTerminate(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = start(vertx, lease, events);
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, server, downs::add);

    lease.valid = false;
    Await.failureOrResult(GenServer.stop(vertx, server, ExitReason.shutdown(), Duration.ofSeconds(5)));
    assertEquals(LAPSED, Await.next(downs).reason());
    Await.nothingFor(events, 200);
  }

  @Test
  void aServerIsNotStartedWhileItsLeaseIsNotValidAndInitDoesNotRun(Vertx vertx) {
    Switch lease = new Switch();
    lease.valid = false;
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Throwable refused = Await.failure(GenServer.start(vertx, new Recording(), events,
        new StartOptions().setName("fenced").setLease(lease)));
    StartException start = assertInstanceOf(StartException.class, refused);
    assertEquals(StartFailure.INIT_STOPPED, start.failure());
    assertEquals(java.util.Optional.of(LAPSED), start.reason());
    assertTrue(events.isEmpty(), "init did not run: " + events);
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("fenced")).isEmpty());
    assertEquals(List.of(), lease.listeners);
  }

  @Test
  void aServerThatStopsByItselfStopsWatchingItsLeaseAndARenewedLeaseKeepsItRunning(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = start(vertx, lease, events);
    lease.listeners.forEach(Runnable::run); // told of a change while still valid (a renewal): it runs on
    assertEquals("handled two", Await.result(GenServer.call(vertx, server, "two")));
    assertEquals("two", Await.next(events));
    Await.result(GenServer.stop(vertx, server));
    assertEquals("terminate normal", Await.next(events), "an orderly stop with the lease valid runs terminate");
    assertEquals(List.of(), lease.listeners);
  }

  /**
   * A supervisor under {@code lease} with one child, a {@link Recording} named "fenced"; the Downs
   * of both (the child's monitor first) go to {@code downs}. Returns the child.
   */
  private static ServerRef fencedTree(Vertx vertx, Switch lease, BlockingQueue<Object> events, BlockingQueue<Down> downs) {
    ServerRef supervisor = Await.result(org.vertxotp.genserver.supervisor.Supervisor.start(vertx,
        org.vertxotp.genserver.supervisor.SupervisorSpec.oneForOne(org.vertxotp.genserver.supervisor.ChildSpec.worker(
            "child", Recording::new, events).withName("fenced")), new StartOptions().setLease(lease)));
    assertEquals("init", Await.next(events));
    ServerRef child = GenServer.whereisLocal(vertx, ServerName.of("fenced")).orElseThrow();
    Monitors.monitor(vertx, child, downs::add);
    Monitors.monitor(vertx, supervisor, downs::add);
    return child;
  }

  @Test
  void aSupervisorStartedUnderALeaseStartsItsChildrenUnderItSoThatTheWholeTreeStopsActing(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    ServerRef child = fencedTree(vertx, lease, events, downs);

    lease.valid = false; // untold: the child finds out at its next message
    GenServer.send(vertx, child, "due");
    assertEquals(LAPSED, Await.next(downs).reason(), "the child stops without handling it");
    assertEquals(LAPSED, Await.next(downs).reason(), "and the supervisor, at the child's Down, without restarting it");
    Await.nothingFor(events, 200);
    assertEquals(List.of(), TestLogs.unexpectedErrors(), "an orderly lapse reports nothing");
  }

  @Test
  void aSupervisorToldOfTheLapseStopsWithItsChildrenAndReportsNothing(Vertx vertx) {
    Switch lease = new Switch();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    fencedTree(vertx, lease, events, downs);

    lease.lapseAndTell();
    assertEquals(LAPSED, Await.next(downs).reason());
    assertEquals(LAPSED, Await.next(downs).reason());
    Await.nothingFor(events, 200); // no restart, no terminate
    assertEquals(List.of(), lease.listeners);
    assertEquals(List.of(), TestLogs.unexpectedErrors(), "an orderly lapse reports nothing");
  }

  @Test
  void aLeaseThatCannotSayCountsAsLapsed(Vertx vertx) {
    Switch lease = new Switch() {
      @Override
      public boolean isValid() {
        if (!valid) {
          throw new IllegalStateException("the lease's source is gone");
        }
        return true;
      }
    };
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    ServerRef server = start(vertx, lease, events);
    BlockingQueue<Down> downs = new LinkedBlockingQueue<>();
    Monitors.monitor(vertx, server, downs::add);
    lease.valid = false;
    Await.callFailure(GenServer.call(vertx, server, "a call", Duration.ofSeconds(30)), CallFailure.SERVER_EXITED);
    assertEquals(LAPSED, Await.next(downs).reason());
    Await.nothingFor(events, 200);
  }

  @Test
  void aServerWhoseLeaseLapsesWhileItsInitIsStillRunningDoesNotStart(Vertx vertx) {
    Switch lease = new Switch();
    io.vertx.core.Promise<InitResult<String>> init = io.vertx.core.Promise.promise();
    BlockingQueue<Object> began = new LinkedBlockingQueue<>();
    Future<ServerRef> start = GenServer.start(vertx, new GenServer<Void, String>() {
      @Override
      public InitResult<String> init(Void args) {
        began.add("init");
        return Results.asyncInit(init.future());
      }
    }, null, new StartOptions().setName("fenced").setLease(lease));
    assertEquals("init", Await.next(began));
    lease.valid = false; // untold
    init.complete(ok("ready"));
    StartException refused = assertInstanceOf(StartException.class, Await.failure(start));
    assertEquals(java.util.Optional.of(LAPSED), refused.reason());
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("fenced")).isEmpty());
    assertEquals(List.of(), lease.listeners);
  }
}
