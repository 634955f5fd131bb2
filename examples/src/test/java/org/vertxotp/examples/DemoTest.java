package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.TestLogs;

class DemoTest {

  @Test
  void everyActivityIsDeliveredOrDeadLetteredAsTheFlakyPeerDecides() throws Exception {
    TestLogs.reset();
    TestLogs.allow("org.vertxotp.delivery"); // the peer is flaky on purpose
    Vertx vertx = Vertx.vertx();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try {
      Demo.Settings settings = new Demo.Settings(40, null, List.of(Duration.ofMillis(20), Duration.ofMillis(40)), false);
      Demo.Summary summary = Demo.run(vertx, settings, new PrintStream(printed, true, StandardCharsets.UTF_8), false);
      // Of 0..39: 0, 10, 20, 30 are gone (410); 1 and 21 are always busy; the rest get through.
      assertEquals(new Demo.Summary(40, 34, summary.retried(), 6, 0, summary.millis(), true), summary);
      assertTrue(summary.retried() >= 2 * 2 + 8 * 2, "busy ones were retried: " + summary.retried());
    } finally {
      vertx.close().await();
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("every activity is accounted for"), text);
    assertTrue(text.contains("delivered 34/40"), "the progress line showed the end: " + text);
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }

  @Test
  void badArgumentsAreRefusedWithAReason() {
    assertThrows(IllegalArgumentException.class, () -> Demo.Settings.parse(new String[] {"--count", "0"}));
    assertThrows(IllegalArgumentException.class, () -> Demo.Settings.parse(new String[] {"--inbox"}));
    assertThrows(IllegalArgumentException.class, () -> Demo.Settings.parse(new String[] {"--what"}));
    assertThrows(IllegalArgumentException.class, () -> Demo.Settings.parse(new String[] {"--clustered", "--inbox", "x"}));
    assertEquals(new Demo.Settings(12, "https://example.social/inbox", Demo.SLOTS, false),
        Demo.Settings.parse(new String[] {"--count", "12", "--inbox", "https://example.social/inbox"}));
  }
}
