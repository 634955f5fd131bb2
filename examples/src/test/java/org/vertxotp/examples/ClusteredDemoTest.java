package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.TestLogs;

class ClusteredDemoTest {

  @Test
  void killingTheProcessThatRunsTheOutboxMidRunLosesNoActivity() throws Exception {
    TestLogs.reset();
    TestLogs.allow("org.vertxotp.delivery"); // the peer is flaky on purpose
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Demo.Summary summary = ClusteredDemo.run(new Demo.Settings(60, null, Demo.SLOTS, true),
        new PrintStream(printed, true, StandardCharsets.UTF_8), false);
    String text = printed.toString(StandardCharsets.UTF_8);
    // Of 0..59: 0, 10, ..., 50 are gone (410) and 1, 21, 41 always busy: dead letters; the rest get through.
    assertEquals(51, summary.delivered(), text);
    assertEquals(9, summary.deadLettered(), text);
    assertTrue(text.contains("killed the other process"), text);
    assertTrue(text.contains("this node runs the outbox now"), text);
    assertTrue(text.contains("every activity is accounted for"), text);
    assertTrue(summary.settled(), "every id delivered or dead-lettered, none both: " + text);
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }
}
