package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.vertxotp.genserver.TestLogs;

/** A cluster of its own for each test, closed after it; the test fails if anything was logged at SEVERE meanwhile. */
abstract class OnTestCluster {

  protected TestCluster cluster;

  @BeforeEach
  void startCluster() {
    TestLogs.reset();
    TestLogs.allowThrown(KnownVertxDefects::isFailedWriteReportedTwice); // every test's nodes leave, at the latest when it ends
    TestLogs.allowThrown(KnownVertxDefects::isOffLoopWriteToClosedConnection); // tests run with -ea
    cluster = new TestCluster();
  }

  @AfterEach
  void closeCluster() {
    cluster.close();
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }
}
