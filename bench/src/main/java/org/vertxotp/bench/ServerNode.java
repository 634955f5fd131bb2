package org.vertxotp.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.vertxotp.cluster.ClusterConfig;
import org.vertxotp.cluster.GenServerCluster;

/**
 * The two JVMs of a clustered benchmark: a server node in a process of its own (the benchmark's
 * main with {@code serve <cluster>}), and the client node in this one, which measures.
 */
final class ServerNode {

  /** What the client node measures. */
  interface Measure {
    void run(Vertx client) throws Exception;
  }

  /** What the server node runs before it says it is ready. */
  interface Serve {
    void run(Vertx server) throws Exception;
  }

  private ServerNode() {
  }

  /** Starts {@code main}'s server node, joins a client node to its cluster, measures, and ends both. */
  static void measure(Class<?> main, Measure measure) throws Exception {
    String cluster = "bench-" + UUID.randomUUID();
    Process server = spawn(main, cluster);
    Vertx client = null;
    try {
      client = GenServerCluster.start(new VertxOptions(), ClusterCallBench.config(cluster)).await(60, TimeUnit.SECONDS);
      measure.run(client);
    } finally {
      if (client != null) { // first, so that the server's node sees it leave, not the other way round
        client.close().await(30, TimeUnit.SECONDS);
      }
      end(server);
    }
  }

  /** Starts {@code main}'s server node in a process of its own; returns once it said it is ready. */
  static Process spawn(Class<?> main, String cluster) throws Exception {
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator
        + "bin" + File.separator + "java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
    command.addAll(ClusterConfig.jvmOptionsForAnotherNode());
    command.addAll(List.of(main.getName(), "serve", cluster));
    Process server = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String line;
    while ((line = out.readLine()) != null && !line.equals("ready") && System.nanoTime() < deadline) {
      // its start-up lines
    }
    if (!"ready".equals(line)) {
      server.destroyForcibly();
      throw new IllegalStateException("the server node did not start");
    }
    Thread drain = new Thread(() -> { // what it says later must not fill the pipe and stall it
      try {
        while (out.readLine() != null) {
          // dropped: the figures are this process's
        }
      } catch (java.io.IOException gone) {
        // it ended
      }
    }, "bench-server-output");
    drain.setDaemon(true);
    drain.start();
    return server;
  }

  /** Ends a server node: it leaves the cluster in good order once its input closes. */
  static void end(Process server) throws Exception {
    server.getOutputStream().close();
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.destroyForcibly();
    }
  }

  /** The server node's side: joins {@code cluster}, runs {@code serve}, says ready, and lives until its input closes. */
  static void serve(String cluster, Serve serve) throws Exception {
    Vertx vertx = GenServerCluster.start(new VertxOptions(), ClusterCallBench.config(cluster)).await(60, TimeUnit.SECONDS);
    serve.run(vertx);
    System.out.println("ready");
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // serves until the client closes the pipe
      }
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }
}
