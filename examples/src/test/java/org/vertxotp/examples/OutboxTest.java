package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.TestLogs;

/** The delivery example tells its story: retried to success, dead-lettered on 410, a follow-up delivered. */
class OutboxTest {

  @Test
  void theOutboxRetriesABusyInboxDeadLettersAGoneOneAndDeliversAFollowUp() throws Exception {
    TestLogs.reset();
    TestLogs.allow("dead letter: create-2"); // the example makes one on purpose; the worker logs it
    Vertx vertx = Vertx.vertx();
    List<String> lines = new CopyOnWriteArrayList<>();
    try {
      Outbox.run(vertx, lines::add);
    } finally {
      vertx.close().await();
    }
    String story = String.join("\n", lines);
    assertEquals(3, lines.stream().filter(l -> l.startsWith("peer: POST /users/ann/inbox, signature verified")).count(), story);
    assertTrue(story.contains("Idempotency-Key create-1 -> 202"), story);
    assertTrue(story.contains("event bus: dead-letter create-2 after 1 attempt(s): HTTP 410 Gone"), story);
    assertTrue(story.contains("delivered 1, retried 2, dead letters 1, pending 0"), story);
    assertTrue(story.contains("reminders: got {\"remind\":\"ann\"}"), story);
    assertEquals(1, TestLogs.warnings().stream().filter(w -> w.contains("dead letter: create-2")).count(), "logged once");
  }
}
