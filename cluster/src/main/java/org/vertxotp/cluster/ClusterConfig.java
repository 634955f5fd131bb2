package org.vertxotp.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hazelcast configuration a node starts with. The user's, when there is one, found the way
 * vertx-hazelcast finds it (the system property {@value #USER_CONFIG_PROPERTY}, then a
 * {@code cluster.xml} on the classpath, both XML); otherwise the toolkit's loopback default:
 * TCP-IP join on 127.0.0.1 only, interface 127.0.0.1, multicast and auto-detection off,
 * phone-home off, Java deserialization filtered. Never vertx-hazelcast's own fallback, which
 * multicasts.
 *
 * <p>The default's cluster is named by the system property {@value #CLUSTER_NAME_PROPERTY}, or
 * {@code vertx-otp} without it: set it per application, so that two applications on one machine
 * do not join each other. A configuration that reaches beyond this machine is the user's, and it
 * must name its cluster: one that leaves Hazelcast's default name, {@code dev}, is refused.
 */
public final class ClusterConfig {

  /**
   * What a JVM that runs a member should be started with: the JDK packages Hazelcast reads, opened
   * as its documentation asks (without them it warns at start and runs slower).
   */
  public static final java.util.List<String> JVM_OPTIONS = java.util.List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /**
   * What a JVM that runs a member and is started from this one should be started with:
   * {@link #JVM_OPTIONS}, and this JVM's node lease ({@code -Dvertx-otp.lease.millis}) if it has one
   * set, since every node of a cluster must have the same lease.
   */
  public static java.util.List<String> jvmOptionsForAnotherNode() {
    java.util.List<String> options = new java.util.ArrayList<>(JVM_OPTIONS);
    String lease = System.getProperty(org.vertxotp.cluster.impl.NodeLease.LEASE_PROPERTY);
    if (lease != null) {
      options.add("-D" + org.vertxotp.cluster.impl.NodeLease.LEASE_PROPERTY + "=" + lease);
    }
    return options;
  }

  /** The system property vertx-hazelcast reads a configuration's location from. */
  public static final String USER_CONFIG_PROPERTY = "vertx.hazelcast.config";

  /** The system property that names the default configuration's cluster. */
  public static final String CLUSTER_NAME_PROPERTY = "vertx-otp.cluster.name";

  /** Hazelcast's name for a cluster whose configuration names none. */
  private static final String HAZELCAST_DEFAULT_NAME = "dev";

  private static final String DEFAULT = "org/vertxotp/cluster/loopback-cluster.xml";
  private static final String PHONE_HOME = "hazelcast.phone.home.enabled";
  private static final System.Logger LOG = System.getLogger("org.vertxotp.cluster");

  private ClusterConfig() {
  }

  /**
   * The user's configuration if there is one, else {@link #loopback()}; phone-home is off unless it
   * says otherwise, and the name table merges as {@link HazelcastNameRegistry} expects. A user
   * configuration that is named but cannot be read fails here: never a fallback that multicasts.
   *
   * @throws IllegalStateException if the configuration named by {@value #USER_CONFIG_PROPERTY}
   *                               is missing or unreadable, or names no cluster
   */
  public static Config load() {
    Config config = userConfig();
    if (config == null) {
      config = loopback();
    } else {
      requireClusterName(config);
    }
    phoneHomeOffUnlessSet(config);
    useNamesMergePolicy(config);
    return config;
  }

  /**
   * Refuses a configuration of the user's that leaves the cluster's name at Hazelcast's default,
   * {@code dev}: every such configuration would join every other.
   *
   * @throws IllegalStateException if it does
   */
  static void requireClusterName(Config config) {
    if (HAZELCAST_DEFAULT_NAME.equals(config.getClusterName())) {
      throw new IllegalStateException("the Hazelcast cluster is named " + HAZELCAST_DEFAULT_NAME + ", Hazelcast's default:"
          + " give it a name of its own (<cluster-name>, or " + CLUSTER_NAME_PROPERTY + " for the default configuration),"
          + " so that no other application's members join it");
    }
  }

  /** Turns Hazelcast's phone-home off in {@code config}, unless the configuration itself says otherwise. */
  static void phoneHomeOffUnlessSet(Config config) {
    if (config.getProperty(PHONE_HOME) == null) {
      config.setProperty(PHONE_HOME, "false");
    }
  }

  /**
   * The toolkit's default: members on 127.0.0.1 only, found over TCP, ports 5701 to 5720, in the
   * cluster {@link #defaultClusterName()}.
   */
  public static Config loopback() {
    Config config = read(ClusterConfig.class.getClassLoader().getResourceAsStream(DEFAULT), DEFAULT);
    config.setClusterName(defaultClusterName());
    useNamesMergePolicy(config);
    return config;
  }

  /** The system property {@value #CLUSTER_NAME_PROPERTY} if set, else {@code vertx-otp}. */
  public static String defaultClusterName() {
    String name = System.getProperty(CLUSTER_NAME_PROPERTY);
    return name == null || name.isBlank() ? "vertx-otp" : name.trim();
  }

  /** {@link #loopback()} for a cluster of its own name, which members of other clusters on this machine never join. */
  public static Config loopback(String clusterName) {
    Config config = loopback();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    return config;
  }

  /**
   * Makes the name table merge by keeping, for each name, the holder of the side merged into:
   * what the registry's conflict resolution is built on. Applied to every configuration the
   * toolkit starts a member with.
   */
  static void useNamesMergePolicy(Config config) {
    config.getMapConfig(HazelcastNameRegistry.MAP).getMergePolicyConfig().setPolicy(PutIfAbsentMergePolicy.class.getName());
  }

  /** Warns when a member the toolkit did not configure merges names some other way. */
  static void checkNamesMergePolicy(Config config) {
    String policy = config.findMapConfig(HazelcastNameRegistry.MAP).getMergePolicyConfig().getPolicy();
    if (!PutIfAbsentMergePolicy.class.getName().equals(policy) && !PutIfAbsentMergePolicy.class.getSimpleName().equals(policy)) {
      LOG.log(System.Logger.Level.WARNING, () -> "the map " + HazelcastNameRegistry.MAP + " merges with " + policy
          + ", not PutIfAbsentMergePolicy: after a split heals, two servers may keep one name unseen");
    }
  }

  /** The configuration the user gave, the way vertx-hazelcast looks for one; null if none. */
  private static Config userConfig() {
    String location = System.getProperty(USER_CONFIG_PROPERTY);
    if (location != null) {
      if (location.startsWith("classpath:")) {
        String resource = location.substring("classpath:".length());
        return read(resource(resource), location);
      }
      try {
        return read(Files.newInputStream(Path.of(location)), location);
      } catch (IOException e) {
        throw new IllegalStateException(USER_CONFIG_PROPERTY + " names " + location + ", which cannot be read", e);
      }
    }
    InputStream onClasspath = resource("cluster.xml");
    return onClasspath == null ? null : read(onClasspath, "cluster.xml on the classpath");
  }

  private static InputStream resource(String name) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    InputStream in = loader == null ? null : loader.getResourceAsStream(name);
    return in != null ? in : ClusterConfig.class.getClassLoader().getResourceAsStream(name);
  }

  private static Config read(InputStream in, String what) {
    if (in == null) {
      throw new IllegalStateException("the Hazelcast configuration " + what + " is missing");
    }
    try (InputStream xml = in) {
      return new XmlConfigBuilder(xml).build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the Hazelcast configuration " + what + " cannot be read", e);
    }
  }
}
