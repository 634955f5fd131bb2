package org.vertxotp.genserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;
import org.vertxotp.genserver.sys.MicrometerMetrics;

/** Micrometer meters: node-wide gauges, and per registered name what a server does. */
@ExtendWith(TestVertx.class)
class MetricsTest {

  private final Queue<String> log = new ConcurrentLinkedQueue<>();

  @Test
  void aSupervisedNamedServerIsMeteredAcrossItsCrashAndRestart(Vertx vertx) {
    MeterRegistry registry = new SimpleMeterRegistry();
    MicrometerMetrics.bind(vertx, registry);
    Await.result(Supervisor.start(vertx, SupervisorSpec.oneForOne(
        ChildSpec.worker("kid", Kid::new, new Kid.Args("kid", log)).withName("kid"))));
    ServerName kid = ServerName.of("kid");
    for (int i = 0; i < 3; i++) {
      Await.result(GenServer.call(vertx, kid, "get"));
    }
    assertEquals(2.0, registry.get("genserver.servers").gauge().value());
    assertEquals(1.0, registry.get("genserver.names").gauge().value());
    assertEquals(3.0, registry.get("genserver.messages.handled").tag("server", "kid").functionCounter().count());
    assertEquals(3, registry.get("genserver.call.latency").tag("server", "kid").timer().count());
    assertEquals(0.0, registry.get("genserver.mailbox").tag("server", "kid").gauge().value());

    Await.callFailure(GenServer.call(vertx, kid, "crash"), CallFailure.SERVER_EXITED);
    Await.until(() -> log.stream().filter("start:kid"::equals).count() == 2, "kid restarted");
    Await.result(GenServer.call(vertx, kid, "get"));
    assertEquals(1.0, registry.get("genserver.crashes").tag("server", "kid").counter().count());
    assertEquals(1.0, registry.get("genserver.restarts").tag("child", "kid").counter().count());
    assertEquals(1.0, registry.get("genserver.messages.handled").tag("server", "kid").functionCounter().count(),
        "the new incarnation counts afresh");
    assertEquals(5, registry.get("genserver.call.latency").tag("server", "kid").timer().count(), "calls by name, across incarnations");
  }

  @Test
  void aServerThatIsGoneLeavesNoGaugeBehind(Vertx vertx) {
    MeterRegistry registry = new SimpleMeterRegistry();
    MicrometerMetrics.bind(vertx, registry);
    ServerRef ref = Await.result(GenServer.start(vertx, new Kid(), new Kid.Args("k", log), new StartOptions().setName("k")));
    registry.get("genserver.mailbox").tag("server", "k").gauge();
    Await.result(GenServer.stop(vertx, ref));
    assertThrows(MeterNotFoundException.class, () -> registry.get("genserver.mailbox").tag("server", "k").gauge());
    assertEquals(0.0, registry.get("genserver.servers").gauge().value());
  }
}
