package org.vertxotp.delivery.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.vertxotp.delivery.DeliveryWorkerOptions;

/**
 * How the HTTP transport treats a peer, which is an untrusted network party: bounded connect time,
 * a deadline for the whole exchange, a cap on what it reads of an answer, no redirects, and no
 * address in a private, loopback or link-local range unless allowed here.
 */
public final class HttpTransportOptions {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
  public static final String DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key";
  public static final String CONTENT_TYPE = "application/activity+json";

  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration requestDeadline = DEFAULT_REQUEST_DEADLINE;
  private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  private int maxConnectionsPerHost = DeliveryWorkerOptions.DEFAULT_MAX_CONCURRENCY;
  private String idempotencyHeader = DEFAULT_IDEMPOTENCY_HEADER;
  private final Set<InetAddress> allowedAddresses = new HashSet<>();
  private RequestSigner signer;

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /** How long a TCP (and TLS) connection may take. */
  public HttpTransportOptions setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = positive(connectTimeout, "connectTimeout");
    return this;
  }

  public Duration getRequestDeadline() {
    return requestDeadline;
  }

  /**
   * How long one whole attempt may take, from connecting to the end of the answer. An idle timeout
   * would not do: a peer trickling a byte a second never goes idle.
   */
  public HttpTransportOptions setRequestDeadline(Duration requestDeadline) {
    this.requestDeadline = positive(requestDeadline, "requestDeadline");
    return this;
  }

  public int getMaxResponseBytes() {
    return maxResponseBytes;
  }

  /** How much of an answer's body is read; past it the rest is not read and the connection is closed, not reused. */
  public HttpTransportOptions setMaxResponseBytes(int maxResponseBytes) {
    if (maxResponseBytes < 0) {
      throw new IllegalArgumentException("maxResponseBytes must not be negative");
    }
    this.maxResponseBytes = maxResponseBytes;
    return this;
  }

  public int getMaxConnectionsPerHost() {
    return maxConnectionsPerHost;
  }

  /** Connections kept per peer; match the workers' concurrency ({@link DeliveryWorkerOptions#setMaxConcurrency}). */
  public HttpTransportOptions setMaxConnectionsPerHost(int maxConnectionsPerHost) {
    if (maxConnectionsPerHost < 1) {
      throw new IllegalArgumentException("at least one connection per host");
    }
    this.maxConnectionsPerHost = maxConnectionsPerHost;
    return this;
  }

  public String getIdempotencyHeader() {
    return idempotencyHeader;
  }

  /** The header that carries the delivery id on every attempt. */
  public HttpTransportOptions setIdempotencyHeader(String idempotencyHeader) {
    this.idempotencyHeader = Objects.requireNonNull(idempotencyHeader, "idempotencyHeader");
    return this;
  }

  public Set<InetAddress> getAllowedAddresses() {
    return Set.copyOf(allowedAddresses);
  }

  /**
   * Allows an address that would be refused (loopback, private, link-local ranges): only this
   * exact address, resolved targets are checked against it. Tests allow {@code 127.0.0.1}.
   */
  public HttpTransportOptions allowAddress(String address) {
    InetAddress literal;
    try {
      literal = IpLiteral.parse(address);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + address, e);
    }
    if (literal == null) {
      throw new IllegalArgumentException("an IP address, not a host name: " + address);
    }
    allowedAddresses.add(literal);
    return this;
  }

  public RequestSigner getSigner() {
    return signer;
  }

  /** Signs every attempt (for example {@link HttpSignatures#signer}); none by default. */
  public HttpTransportOptions setSigner(RequestSigner signer) {
    this.signer = Objects.requireNonNull(signer, "signer");
    return this;
  }

  private static Duration positive(Duration duration, String what) {
    Objects.requireNonNull(duration, what);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + duration);
    }
    return duration;
  }
}
