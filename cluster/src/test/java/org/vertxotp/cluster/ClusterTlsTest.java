package org.vertxotp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vertxotp.genserver.Await;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.StartOptions;
import org.vertxotp.genserver.TestLogs;

/**
 * Nodes whose event buses speak mutual TLS: a member without the cluster's certificate (none, or
 * one of its own) joins Hazelcast, but none of its messages reaches a server, and the nodes that
 * hold the certificate go on working.
 */
class ClusterTlsTest extends OnTestCluster {

  private static final String PASSWORD = "not-a-secret";

  @TempDir
  Path keys;

  /** A PKCS#12 store with a new self-signed key pair, made by the JDK's keytool. */
  private Path keyStore(String name) throws Exception {
    Path store = keys.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD, "-ext", "SAN=ip:127.0.0.1").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, "keytool failed: " + output);
    return store;
  }

  /** A member that speaks TLS with a certificate of its own, trusts anyone, and asks nobody for one. */
  private Vertx permissive(String certificate) throws Exception {
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setSsl(true).setTrustAll(true)
        .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(keyStore(certificate).toString()).setPassword(PASSWORD));
    Vertx node = cluster.node(options);
    Store.register(MessageTypes.of(node));
    return node;
  }

  private Vertx nodeWith(Path store) {
    Vertx node = cluster.node(ClusterTls.mutual(new VertxOptions(), store.toString(), PASSWORD));
    Store.register(MessageTypes.of(node));
    return node;
  }

  @Test
  void aMemberWithoutTheClustersCertificateReachesNoServerAndTheOthersWorkOn() throws Exception {
    // Vert.x reports each refused handshake at SEVERE: in this test, that is the intruder being turned away.
    TestLogs.allow("SSLHandshakeException");
    Path clusterKey = keyStore("cluster");
    Vertx a = nodeWith(clusterKey);
    Vertx b = nodeWith(clusterKey);
    ServerName name = ServerName.of("guarded");
    ServerRef store = Await.result(GenServer.start(a, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
    assertEquals("ok", Await.result(GenServer.call(b, name, new Store.Put("k", "from b"))));

    Vertx plain = cluster.node(); // no TLS at all
    Store.register(MessageTypes.of(plain));
    Vertx stranger = nodeWith(keyStore("stranger")); // TLS, with a certificate the cluster does not trust
    Vertx permissive = permissive("permissive"); // the same, trusting anyone: only the server's demand for a trusted certificate stops it
    for (Vertx intruder : List.of(plain, stranger, permissive)) {
      assertEquals(store, Await.result(GenServer.whereis(intruder, name)).orElseThrow(), "it joined Hazelcast");
      GenServer.cast(intruder, store, new Store.Put("k", "cast by an intruder"));
      GenServer.cast(intruder, name, new Store.Put("k", "cast by name by an intruder"));
      Future<Object> call = GenServer.call(intruder, name, new Store.Put("k", "called by an intruder"), Duration.ofSeconds(2));
      Await.failure(call);
      Await.failureOrResult(GenServer.stop(intruder, name, org.vertxotp.genserver.ExitReason.normal(), Duration.ofSeconds(2)));
    }
    Store.Value value = Await.result(GenServer.call(b, name, new Store.Get("k")));
    assertEquals("from b", value.value(), "nothing an intruder sent reached the server");
    assertEquals("ok", Await.result(GenServer.call(b, store, new Store.Put("k", "still from b"))));
  }

  @Test
  void aNodeOfTheClusterSendsNothingToAMemberWhoseCertificateItDoesNotTrust() throws Exception {
    TestLogs.allow("SSLHandshakeException");
    Path clusterKey = keyStore("cluster");
    Vertx b = nodeWith(clusterKey);
    Vertx intruder = permissive("decoy");
    ServerName name = ServerName.of("decoy");
    Await.result(GenServer.start(intruder, new Store(), new LinkedBlockingQueue<>(), new StartOptions().setName(name)));
    Await.until(() -> Await.result(GenServer.whereis(b, name)).isPresent(), "the cluster's node sees the name");

    GenServer.cast(b, name, new Store.Put("k", "told to the intruder"));
    Await.failure(GenServer.call(b, name, new Store.Put("k", "asked of the intruder"), Duration.ofSeconds(2)));
    Store.Value value = Await.result(GenServer.call(intruder, name, new Store.Get("k")));
    assertEquals(null, value.value(), "nothing the cluster's node sent reached the intruder");
  }

  @Test
  void theOptionsAskForTheClientsCertificateAndCheckTheServers() {
    var bus = ClusterTls.mutual(new VertxOptions(), "node.p12", PASSWORD).getEventBusOptions();
    assertTrue(bus.isSsl());
    assertEquals(io.vertx.core.http.ClientAuth.REQUIRED, bus.getClientAuth());
    assertTrue(!bus.isTrustAll(), "the client side checks the other node's certificate");
  }
}
