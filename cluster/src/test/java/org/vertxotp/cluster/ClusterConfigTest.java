package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The configuration a node starts with never looks beyond loopback unless the user says so. */
class ClusterConfigTest {

  @AfterEach
  void forgetTheProperty() {
    System.clearProperty(ClusterConfig.USER_CONFIG_PROPERTY);
    System.clearProperty(ClusterConfig.CLUSTER_NAME_PROPERTY);
  }

  @Test
  void theDefaultClusterIsNamedByItsPropertySoThatEachApplicationHasItsOwn() {
    assertEquals("vertx-otp", ClusterConfig.load().getClusterName());
    System.setProperty(ClusterConfig.CLUSTER_NAME_PROPERTY, "billing");
    assertEquals("billing", ClusterConfig.load().getClusterName());
  }

  @Test
  void aUserConfigurationThatNamesNoClusterIsRefused() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("cluster", ".xml");
    java.nio.file.Files.writeString(file, """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <network><join><multicast enabled="false"/><tcp-ip enabled="true"><member>127.0.0.1</member></tcp-ip></join></network>
        </hazelcast>
        """);
    System.setProperty(ClusterConfig.USER_CONFIG_PROPERTY, file.toString());
    IllegalStateException failure = assertThrows(IllegalStateException.class, ClusterConfig::load);
    assertTrue(failure.getMessage().contains("<cluster-name>"), failure.getMessage());
  }

  @Test
  void theDefaultJoinsOverTcpOnLoopbackOnlyWithoutMulticastOrPhoneHome() {
    Config config = ClusterConfig.load();
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.isAutoDetectionEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(java.util.List.of("127.0.0.1"), join.getTcpIpConfig().getMembers());
    assertTrue(config.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(java.util.Set.of("127.0.0.1"), java.util.Set.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
  }

  @Test
  void aUserConfigurationThatIsMissingFailsInsteadOfFallingBackToMulticast() {
    System.setProperty(ClusterConfig.USER_CONFIG_PROPERTY, "/nonexistent/cluster.xml");
    IllegalStateException failure = assertThrows(IllegalStateException.class, ClusterConfig::load);
    assertTrue(failure.getMessage().contains("/nonexistent/cluster.xml"), failure.getMessage());
    System.setProperty(ClusterConfig.USER_CONFIG_PROPERTY, "classpath:nothing-here.xml");
    assertThrows(IllegalStateException.class, ClusterConfig::load);
  }

  @Test
  void aUserConfigurationIsUsedAndKeepsPhoneHomeOff() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("cluster", ".xml");
    java.nio.file.Files.writeString(file, """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <cluster-name>mine</cluster-name>
          <network><join><multicast enabled="false"/><tcp-ip enabled="true"><member>127.0.0.1</member></tcp-ip></join></network>
        </hazelcast>
        """);
    System.setProperty(ClusterConfig.USER_CONFIG_PROPERTY, file.toString());
    Config config = ClusterConfig.load();
    assertEquals("mine", config.getClusterName());
    assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
    assertEquals(com.hazelcast.spi.merge.PutIfAbsentMergePolicy.class.getName(),
        config.getMapConfig(HazelcastNameRegistry.MAP).getMergePolicyConfig().getPolicy());
  }
}
