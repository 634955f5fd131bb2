/**
 * Clustering over Hazelcast (vertx-hazelcast): registered names unique across every node, calls
 * by name from any node, and failover of a named server whose node left the cluster. Every
 * Hazelcast configuration this module ships joins over TCP-IP on 127.0.0.1 only, with multicast
 * and phone-home off; other members and interfaces are the user's opt-in.
 *
 * <p>Not built yet: this package holds the module's place in the build.
 */
package org.vertxotp.cluster;
