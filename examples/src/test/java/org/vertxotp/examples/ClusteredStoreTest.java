package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.config.Config;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.vertxotp.cluster.ClusterConfig;
import org.vertxotp.genserver.TestLogs;

class ClusteredStoreTest {

  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

  @Test
  void nodeBReadsWhatItPutIntoTheStoreOnNodeA() throws Exception {
    HAZELCAST.setLevel(Level.WARNING);
    TestLogs.reset();
    Config config = ClusterConfig.loopback("example-" + UUID.randomUUID()); // not the default cluster of anything else here
    assertEquals("hello", ClusteredStore.run(config));
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }
}
