package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.ok;
import static org.vertxotp.genserver.Results.reject;
import static org.vertxotp.genserver.Results.reply;

import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.vertxotp.cluster.ClusterConfig;
import org.vertxotp.cluster.GenServerCluster;
import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.StartOptions;

/**
 * A store on node A called by name from node B: two clustered Vert.x instances (here in one
 * process; in life two processes or machines), each with its own Hazelcast member on 127.0.0.1.
 * Its messages are records, which cross nodes as JSON once registered in {@link MessageTypes}.
 *
 * <pre>java -cp examples/target/examples.jar org.vertxotp.examples.ClusteredStore</pre>
 */
public final class ClusteredStore {

  /** Stores {@code value} under {@code key}; replies the previous value (or null). */
  public record Put(String key, String value) {}

  /** Replies the value under {@code key} (or null). */
  public record Get(String key) {}

  /** The store: a map, changed only by its own callbacks. */
  public static final class RecordStore implements GenServer<Void, Map<String, String>> {
    @Override
    public InitResult<Map<String, String>> init(Void args) {
      return ok(new HashMap<>());
    }

    @Override
    public CallResult<Map<String, String>> handleCall(Object request, From from, Map<String, String> values) {
      if (request instanceof Put put) {
        return reply(values.put(put.key(), put.value()), values);
      }
      if (request instanceof Get get) {
        return reply(values.get(get.key()), values);
      }
      return reject("expected Put or Get", values);
    }
  }

  /** Held, so that its level stays set: Hazelcast's INFO lines would bury the example's. */
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");
  /** Warns after a member shut down in good order (hazelcast/hazelcast#26319): nothing to act on. */
  private static final Logger RECONNECTS = Logger.getLogger("com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler");

  private ClusteredStore() {
  }

  public static void main(String[] args) throws Exception {
    HAZELCAST.setLevel(Level.WARNING);
    RECONNECTS.setLevel(Level.SEVERE);
    System.out.println("B read: " + run(ClusterConfig.load()));
  }

  /** Starts the two nodes of the cluster {@code hazelcast} configures, puts and gets from B, closes both; what B read. */
  static String run(Config hazelcast) throws Exception {
    // README: cluster
    // Node A: a clustered Vert.x with the toolkit joined (ClusterConfig.load(): loopback unless configured)
    Vertx a = GenServerCluster.start(new VertxOptions(), hazelcast).await();
    MessageTypes.of(a).register(Put.class).register(Get.class);      // on every node, before use
    GenServer.start(a, new RecordStore(), null, new StartOptions().setName("store")).await();

    // Node B: another process or machine of the same cluster
    Vertx b = GenServerCluster.start(new VertxOptions(), hazelcast).await();
    MessageTypes.of(b).register(Put.class).register(Get.class);
    GenServer.call(b, ServerName.of("store"), new Put("greeting", "hello")).await();
    String value = GenServer.<String>call(b, ServerName.of("store"), new Get("greeting")).await();
    // README end
    b.close().await();
    a.close().await();
    return value;
  }
}
