package org.vertxotp.cluster;

import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import java.util.Objects;

/**
 * Mutual TLS between the nodes' event buses: the toolkit's answer to Erlang's cookie. Hazelcast's
 * open-source edition authenticates nothing, so any process that reaches a member's port and
 * knows the cluster's name joins it; with this, such a member cannot get an event-bus message to
 * a server, nor get one from a node, because every event-bus connection between nodes needs a
 * certificate the other side trusts, both ways (the server asks for the client's, the client
 * checks the server's).
 *
 * <pre>{@code
 * VertxOptions options = ClusterTls.mutual(new VertxOptions(), "/etc/myapp/node.p12", secret);
 * GenServerCluster.start(options).await();
 * }</pre>
 *
 * The PKCS#12 store holds this node's private key and certificate, and the certificates (or the
 * authority) it trusts; one store shared by every node of a cluster is the simplest form. Host
 * names are not checked (Vert.x's cluster connections go to addresses, not names): possession of
 * a trusted certificate is what admits a node.
 *
 * <p>What this does not cover is the Hazelcast layer itself. A member that joins can read and
 * write the cluster's maps: rewrite the name table (and so have a server stopped as the loser of
 * a name conflict, or route a name to itself), or add deliveries to the delivery store; and it can
 * subscribe at a node's or a name's address, so that some messages meant for the node go to it
 * and are lost at the handshake. Keep Hazelcast's ports on a network only your nodes reach (the
 * default binds 127.0.0.1), and give the cluster a name of its own.
 */
public final class ClusterTls {

  private ClusterTls() {
  }

  /**
   * Makes {@code options}' event bus speak TLS to other nodes with client authentication required:
   * this node presents the key and certificate in the PKCS#12 store at {@code keyStorePath} and
   * accepts only peers whose certificate that same store trusts.
   *
   * @return {@code options}, for chaining
   */
  public static VertxOptions mutual(VertxOptions options, String keyStorePath, String password) {
    Objects.requireNonNull(keyStorePath, "keyStorePath");
    Objects.requireNonNull(password, "password");
    // PfxOptions, not the generic KeyStoreOptions: the clustered event bus copies its options through JSON, which drops the latter.
    PfxOptions store = new PfxOptions().setPath(keyStorePath).setPassword(password);
    // The event bus trusts every server by default: the client side must check the other node's certificate too.
    options.getEventBusOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED).setTrustAll(false)
        .setKeyCertOptions(store).setTrustOptions(store);
    return options;
  }
}
