package org.vertxotp.cluster;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.vertxotp.genserver.TestLogs;

/**
 * A {@link NodeMain} in a JVM of its own, started by a test so that it can be killed with
 * SIGKILL, or paused with SIGSTOP and resumed with SIGCONT. Its output goes to the test's,
 * prefixed; it is killed when closed, whatever happened.
 */
final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final List<String> severe = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final BlockingQueue<String> downs = new LinkedBlockingQueue<>();
  private final List<Count> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean paused;

  /** A count the node printed, and when the test read it (System.nanoTime). */
  record Count(int value, long atNanos) {}

  NodeProcess(String clusterName, String... parts) throws IOException {
    this(Map.of(), clusterName, parts);
  }

  /** A node whose JVM has {@code properties} as system properties (Hazelcast reads its own from there too). */
  NodeProcess(Map<String, String> properties, String clusterName, String... parts) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator + "bin"
        + File.separator + "java"));
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.addAll(ClusterConfig.jvmOptionsForAnotherNode());
    properties.forEach((name, value) -> command.add("-D" + name + "=" + value));
    command.add(NodeMain.class.getName());
    command.add(clusterName);
    command.addAll(List.of(parts));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader = new Thread(this::readOutput, "node-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void readOutput() {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("ready ")) {
          ready.complete(line.substring("ready ".length()).trim());
        } else {
          if (line.startsWith(NodeMain.DOWN)) {
            downs.add(line.substring(NodeMain.DOWN.length()));
          }
          if (line.startsWith(NodeMain.WORKERS)) {
            workers.add(new Count(Integer.parseInt(line.substring(NodeMain.WORKERS.length()).trim()), System.nanoTime()));
          }
          if (line.startsWith("SEVERE:") || line.startsWith("ERROR")) {
            severe.add(line);
          }
          System.out.println("[node " + process.pid() + "] " + line);
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    ready.completeExceptionally(new IllegalStateException("the node process ended before it was ready"));
  }

  /** Each number of workers the node said run there, in order (a node with the {@code spread} part). */
  List<Count> workers() {
    return List.copyOf(workers);
  }

  /** Waits until the node runs what it was told to; its node id. */
  String awaitReady() throws Exception {
    return ready.get(90, TimeUnit.SECONDS);
  }

  /** What the node logged at SEVERE (or ERROR) before it was killed: nothing, in a passing test. */
  List<String> severeLines() {
    return severe.stream().filter(line -> !(paused && line.contains(TestCluster.ANSWERED_TWICE))).toList();
  }

  /** What the node said of each server of its own that went down: the server's name, the server, then why. */
  BlockingQueue<String> downs() {
    return downs;
  }

  /** SIGSTOP: the process stands still, its sockets open, answering nothing, until {@link #resume}. */
  void pause() throws IOException, InterruptedException {
    // Once a member has paused, Hazelcast may report answers it got twice, on every member (see
    // TestCluster.ANSWERED_TWICE): the test's and this one's.
    paused = true;
    TestLogs.allow(TestCluster.ANSWERED_TWICE);
    signal("STOP");
  }

  /** SIGCONT: a paused process goes on where it stood. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
    if (!kill.waitFor(30, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " did not end");
    }
    if (kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * What Vert.x 5.1.5 logs at ERROR, with no stack, on a node whose peer died with bytes in flight
   * on a connection the peer had opened to it (an inbound event-bus connection has no exception
   * handler): the peer's kernel resets it. Nothing is lost that the dead node had not in flight.
   */
  static final String RESET_BY_DEAD_PEER = "io.vertx.core.net.impl.ConnectionBase: Connection reset";

  /** SIGKILL: the process ends at once, saying nothing to anyone. */
  void kill() throws InterruptedException {
    TestLogs.allow(RESET_BY_DEAD_PEER);
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      TestLogs.allow(RESET_BY_DEAD_PEER);
      process.destroyForcibly(); // SIGKILL ends a stopped process too
      try {
        process.waitFor(30, TimeUnit.SECONDS); // gone, its port with it, before the next test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
