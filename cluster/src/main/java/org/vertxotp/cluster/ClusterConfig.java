package org.vertxotp.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The Hazelcast configuration a node starts with. The user's, when there is one, found the way
 * vertx-hazelcast finds it (the system property {@value #USER_CONFIG_PROPERTY}, then a
 * {@code cluster.xml} on the classpath); otherwise the toolkit's loopback default: TCP-IP join on
 * 127.0.0.1 only, interface 127.0.0.1, multicast and auto-detection off, phone-home off. Never
 * vertx-hazelcast's own fallback, which multicasts.
 */
public final class ClusterConfig {

  /** The system property vertx-hazelcast reads a configuration's location from. */
  public static final String USER_CONFIG_PROPERTY = "vertx.hazelcast.config";

  private static final String DEFAULT = "org/vertxotp/cluster/loopback-cluster.xml";
  private static final String PHONE_HOME = "hazelcast.phone.home.enabled";

  private ClusterConfig() {
  }

  /** The user's configuration if there is one, else {@link #loopback()}; phone-home is off unless it says otherwise. */
  public static Config load() {
    Config config = hasUserConfig() ? ConfigUtil.loadConfig() : loopback();
    if (config.getProperty(PHONE_HOME) == null) {
      config.setProperty(PHONE_HOME, "false");
    }
    return config;
  }

  /** The toolkit's default: members on 127.0.0.1 only, found over TCP, ports 5701 to 5720. */
  public static Config loopback() {
    try (InputStream in = ClusterConfig.class.getClassLoader().getResourceAsStream(DEFAULT)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT + " is missing from the classpath");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean hasUserConfig() {
    if (System.getProperty(USER_CONFIG_PROPERTY) != null) {
      return true;
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader != null && loader.getResource("cluster.xml") != null) {
      return true;
    }
    return ClusterConfig.class.getClassLoader().getResource("cluster.xml") != null;
  }
}
