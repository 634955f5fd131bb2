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
  void threeNodesDeliverEveryActivityWhileOneIsPausedAndAnotherKilledAndOnlyThoseInFlightArriveTwice() throws Exception {
    TestLogs.reset();
    TestLogs.allow("org.vertxotp.delivery"); // the peers are flaky on purpose
    // Once a member paused, Hazelcast may report answers it got twice (hazelcast/hazelcast#11839): nothing is lost.
    TestLogs.allow("NormalResponse already responseReceived");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Demo.Summary summary = ClusteredDemo.run(new Demo.Settings(60, null, Demo.SLOTS, true),
        new PrintStream(printed, true, StandardCharsets.UTF_8), false);
    String text = printed.toString(StandardCharsets.UTF_8);
    // Of 0..59: 0, 10, ..., 50 are gone (410) and 1, 21, 41 always busy: dead letters; the rest get through.
    assertEquals(51, summary.delivered(), text);
    assertEquals(9, summary.deadLettered(), text);
    assertTrue(text.contains("paused node C"), text);
    assertTrue(text.contains("A and B have begun to run C's share"), "the others took the paused node's share over: " + text);
    assertTrue(text.contains("resumed node C"), text);
    assertTrue(text.contains("killed node B"), text);
    assertTrue(text.contains("every activity is accounted for"), text);
    // Workers ran on every node: each of three nodes gets none of 30 destinations once in about 60,000 runs.
    java.util.regex.Matcher most = java.util.regex.Pattern.compile("most workers at once on A, B, C\\s+(\\d+), (\\d+), (\\d+)")
        .matcher(text);
    assertTrue(most.find(), text);
    for (int node = 1; node <= 3; node++) {
      assertTrue(Integer.parseInt(most.group(node)) > 0, "workers ran on every node: " + most.group());
    }
    // Settled: every id delivered or dead-lettered, none both, none twice but those C or B began shortly
    // before the pause or the kill, and no attempt by C after it resumed.
    assertTrue(summary.settled(), text);
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }
}
