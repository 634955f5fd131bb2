package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxotp.genserver.Results.*;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.DeliveryService;
import org.vertxotp.delivery.DeliveryWorkerOptions;
import org.vertxotp.delivery.http.HttpTransport;
import org.vertxotp.delivery.http.HttpTransportOptions;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.TestVertx;
import org.vertxotp.examples.readme.Counter;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.Down;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.MonitorRef;
import org.vertxotp.genserver.Monitors;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Restart;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;
import org.vertxotp.genserver.sys.MicrometerMetrics;
import org.vertxotp.genserver.sys.ServerStatistics;
import org.vertxotp.genserver.sys.ServerStatus;
import org.vertxotp.genserver.sys.Sys;
import org.vertxotp.genserver.time.ManualClock;
import org.vertxotp.genserver.time.Timers;

/**
 * The README's snippets, in code that compiles and runs: each region between a {@code README:}
 * marker and its end is what the README shows ({@link ReadmeTest} checks that they agree).
 */
@ExtendWith(TestVertx.class)
class ReadmeSnippetsTest {

  /** The snippets' {@code vertx}: one per test, closed after it, with its log checked. */
  private Vertx vertx;

  @BeforeEach
  void vertx(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Fails once, then arms a six-hour retry, and counts the retries. */
  static final class Backoff implements GenServer<Vertx, Integer> {
    private Vertx vertx;

    @Override
    public InitResult<Integer> init(Vertx vertx) {
      this.vertx = vertx;
      return ok(0);
    }

    @Override
    public CallResult<Integer> handleCall(Object request, From from, Integer retries) {
      Timers.startSingleTimer("retry", "retry", Duration.ofHours(6));
      return reply("will retry", retries);
    }

    @Override
    public NoReplyResult<Integer> handleInfo(Object message, Integer retries) {
      return noreply(retries + 1);
    }
  }

  @Test
  void manualClock() {
    // README: manual-clock
    ManualClock clock = ManualClock.install(vertx);                  // before starting servers
    ServerRef ref = GenServer.start(vertx, new Backoff(), vertx).await();
    GenServer.call(vertx, ref, "fail-once").await();                  // the server arms a 6 h retry timer
    clock.advance(Duration.ofHours(6));                               // its handleInfo has run when this returns
    // README end
    assertEquals(1, Sys.<Integer>getState(vertx, ref).await());
  }

  @Test
  void monitors() throws Exception {
    ServerRef ref = GenServer.start(vertx, new Counter(), 0).await();
    BlockingQueue<Down> told = new LinkedBlockingQueue<>();
    // README: monitors
    MonitorRef watch = Monitors.monitor(vertx, ref, down -> System.out.println("gone: " + down.reason()));
    Monitors.demonitor(watch, true);                                  // stop watching; a Down already queued is dropped
    Monitors.monitor(vertx, ref, down -> told.add(down));             // runs on this context, once, when it stops
    GenServer.kill(vertx, ref);                                       // exit(Pid, kill): no terminate
    // README end
    assertEquals(ExitReason.KILLED, told.poll(10, TimeUnit.SECONDS).reason());
  }

  /** Stands for the gen_servers of an application: it keeps what its init was given. */
  static class Idle<A> implements GenServer<A, A> {
    @Override
    public InitResult<A> init(A args) {
      return ok(args);
    }
  }

  static final class JobQueue extends Idle<Object> {}

  static final class Mailer extends Idle<String> {}

  static final class Worker extends Idle<Integer> {}

  @Test
  void supervisors() {
    // README: supervisors
    SupervisorSpec tree = SupervisorSpec.oneForOne(
            ChildSpec.worker("jobs", JobQueue::new, null).withName("jobs"),
            ChildSpec.worker("mailer", Mailer::new, "smtp://127.0.0.1:2525")
                .withRestart(Restart.TRANSIENT).withShutdown(Duration.ofSeconds(10)),
            ChildSpec.supervisor("workers", SupervisorSpec.dynamic(ChildSpec.dynamicWorker("worker", Worker::new)))
                .withName("workers"))
        .withIntensity(3, Duration.ofSeconds(10));                    // OTP's default is 1 in 5 s
    Supervisor.start(vertx, tree).await();
    ServerRef worker = Supervisor.startDynamicChild(vertx, ServerName.of("workers"), 7).await();
    // README end
    assertEquals(7, Sys.<Integer>getState(vertx, worker).await());
  }

  // README: placement
  /** A verticle whose server runs on the verticle's own context: a call costs a queued task, not a thread hop. */
  static final class Host extends VerticleBase {
    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new Counter(), 0, new StartOptions().setContext(context).setName("local"));
    }
  }
  // README end

  @Test
  void placement() {
    String host = vertx.deployVerticle(new Host()).await();
    assertEquals(0, GenServer.<Integer>call(vertx, ServerName.of("local"), "next").await());
    vertx.undeploy(host).await();
    assertTrue(GenServer.whereisLocal(vertx, ServerName.of("local")).isEmpty(), "stopped with its host");
  }

  @Test
  void wireFormat() throws Exception {
    GenServer.start(vertx, new KeyValueStore(), null, new StartOptions().setName("kv")).await();
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    // README: wire-format
    vertx.eventBus().request("genserver.name.kv", new JsonObject().put("op", "get").put("key", "a"),
            new DeliveryOptions().addHeader("genserver-kind", "call"))
        .onSuccess(reply -> got.add(reply.body()))                    // {"value":null}
        .onFailure(failure -> got.add(((ReplyException) failure).failureCode())); // a CallFailure code, or -1
    // README end
    assertEquals(new JsonObject().putNull("value"), got.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void sys() {
    GenServer.start(vertx, new KeyValueStore(), null, new StartOptions().setName("kv")).await();
    // README: sys
    ServerName kv = ServerName.of("kv");
    Map<String, String> state = Sys.<Map<String, String>>getState(vertx, kv).await(); // after all sent before it
    ServerStatus status = Sys.getStatus(vertx, kv).await();          // mailbox, timers, monitors, formatStatus
    Sys.suspend(vertx, kv).await();                                  // only sys requests until resume
    Sys.resume(vertx, kv).await();
    ServerStatistics statistics = Sys.statistics(vertx, kv, true).await(); // and time callbacks from now on
    // README end
    assertEquals(Map.of(), state);
    assertEquals(0, status.mailbox());
    assertEquals(0, statistics.messagesHandled());
  }

  @Test
  void pipeToSelf() {
    // Work that is already done: each outcome is piped into the mailbox before its call is answered,
    // so one more call comes after all three.
    ServerRef fetcher = GenServer.start(vertx, new Fetcher(),
        (java.util.function.Function<String, Future<String>>) request -> Future.succeededFuture(request.toUpperCase())).await();
    for (String word : List.of("a", "b", "c")) {
      assertEquals("started", Await.result(GenServer.call(vertx, fetcher, word)));
    }
    assertEquals(List.of("a -> A", "b -> B", "c -> C"), Await.result(GenServer.<List<String>>call(vertx, fetcher, "results")));
  }

  @Test
  void mailboxLimitAndMetrics() {
    // README: metrics
    MeterRegistry registry = new SimpleMeterRegistry();             // or your Prometheus registry
    MicrometerMetrics.bind(vertx, registry);                         // before starting servers
    // README end
    // README: mailbox-limit
    GenServer.start(vertx, new KeyValueStore(), null, new StartOptions().setName("kv").setMailboxLimit(10_000)).await();
    // README end
    assertEquals(1.0, registry.get("genserver.servers").gauge().value());
    assertEquals(0.0, registry.get("genserver.mailbox").tag("server", "kv").gauge().value(), "its mailbox is metered");
  }

  @Test
  void aDeliveryServiceInTheApplicationsSupervisionTree() {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    io.vertx.core.http.HttpServer peer = Await.result(vertx.createHttpServer()
        .requestHandler(request -> request.body().onSuccess(body -> {
          received.add(request.getHeader("Idempotency-Key"));
          request.response().setStatusCode(202).end();
        })).listen(0, "127.0.0.1"));
    String inbox = "http://127.0.0.1:" + peer.actualPort() + "/users/ann/inbox";
    JsonObject activity = new JsonObject().put("type", "Create");
    org.vertxotp.delivery.spi.Transport transport = new HttpTransport(vertx, new HttpTransportOptions().allowAddress("127.0.0.1"));
    // README: delivery-tree
    DeliveryService outbox = DeliveryService.create(vertx, "outbox", transport, new DeliveryWorkerOptions());
    ServerRef application = Supervisor.start(vertx, SupervisorSpec.oneForOne(outbox.childSpec())).await();
    outbox.enqueue(new Delivery("create-1", inbox, activity)).await(); // delivered by a worker under the application's tree
    // README end
    assertEquals("create-1", Await.next(received));
    assertEquals(List.of("outbox"), Supervisor.whichChildren(vertx, application).await().stream().map(c -> c.id()).toList());
  }
}
