package org.vertxotp.delivery.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.vertxotp.delivery.DeliveryWorkerOptions;

/**
 * How the HTTP transport treats a peer, which is an untrusted network party: bounded connect time,
 * a deadline for the whole exchange, a cap on what it reads of an answer, no redirects, and no
 * address in a private, loopback or link-local range unless allowed here; and what each request
 * carries besides the payload: {@code User-Agent}, {@code Content-Type}, static headers of the
 * application's own (an {@code Authorization}, say), a signature.
 */
public final class HttpTransportOptions {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
  public static final String DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key";
  /** The media type ActivityPub names for activities; {@code application/ld+json; profile="https://www.w3.org/ns/activitystreams"} and {@code application/json} are common too. */
  public static final String DEFAULT_CONTENT_TYPE = "application/activity+json";
  /** {@code vertx-otp/<version>}: the product token every request carries unless {@link #setUserAgent} says otherwise. */
  public static final String DEFAULT_USER_AGENT = "vertx-otp/" + Version.VERSION;
  /**
   * Headers the transport writes itself (or that a signature covers, or that HTTP/1.1 framing
   * owns), which {@link #putHeader} refuses: set them through their own option instead.
   */
  public static final Set<String> RESERVED_HEADERS = Set.of("host", "date", "digest", "signature", "content-type",
      "content-length", "transfer-encoding", "connection", "user-agent", "expect", "upgrade", "te", "trailer",
      "keep-alive", "proxy-connection");

  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration requestDeadline = DEFAULT_REQUEST_DEADLINE;
  private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  private int maxConnectionsPerHost = DeliveryWorkerOptions.DEFAULT_MAX_CONCURRENCY;
  private String idempotencyHeader = DEFAULT_IDEMPOTENCY_HEADER;
  private final Set<InetAddress> allowedAddresses = new HashSet<>();
  private RequestSigner signer;
  private String userAgent;
  private String userAgentUrl;
  private String contentType = DEFAULT_CONTENT_TYPE;
  private final Map<String, String> headers = new LinkedHashMap<>();

  public HttpTransportOptions() {
  }

  /** A copy: a transport keeps its own, so changing the options afterwards changes nothing of it. */
  public HttpTransportOptions(HttpTransportOptions other) {
    this.connectTimeout = other.connectTimeout;
    this.requestDeadline = other.requestDeadline;
    this.maxResponseBytes = other.maxResponseBytes;
    this.maxConnectionsPerHost = other.maxConnectionsPerHost;
    this.idempotencyHeader = other.idempotencyHeader;
    this.allowedAddresses.addAll(other.allowedAddresses);
    this.signer = other.signer;
    this.userAgent = other.userAgent;
    this.userAgentUrl = other.userAgentUrl;
    this.contentType = other.contentType;
    this.headers.putAll(other.headers);
  }

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
    String name = token(idempotencyHeader, "idempotencyHeader");
    if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))
        || headers.keySet().stream().anyMatch(existing -> existing.equalsIgnoreCase(name))) {
      throw new IllegalArgumentException("the transport writes " + name + " itself, or a static header has that name:"
          + " choose another idempotency header");
    }
    this.idempotencyHeader = name;
    return this;
  }

  /**
   * The {@code User-Agent} every request carries: {@link #setUserAgent} if set, else
   * {@link #DEFAULT_USER_AGENT} followed by {@code (+url)} when {@link #setUserAgentUrl} gave one.
   */
  public String getUserAgent() {
    if (userAgent != null) {
      return userAgent;
    }
    return userAgentUrl == null ? DEFAULT_USER_AGENT : DEFAULT_USER_AGENT + " (+" + userAgentUrl + ")";
  }

  /** Replaces the whole {@code User-Agent} value (a product token of your own, say). */
  public HttpTransportOptions setUserAgent(String userAgent) {
    this.userAgent = value(userAgent, "userAgent");
    return this;
  }

  public String getUserAgentUrl() {
    return userAgentUrl;
  }

  /**
   * Where a peer's operator learns who is sending (your instance's home page): the agent becomes
   * {@code vertx-otp/<version> (+url)}, as fediverse servers identify themselves.
   */
  public HttpTransportOptions setUserAgentUrl(String url) {
    this.userAgentUrl = value(url, "userAgentUrl");
    return this;
  }

  public String getContentType() {
    return contentType;
  }

  /** The {@code Content-Type} of every request ({@link #DEFAULT_CONTENT_TYPE} unless set). */
  public HttpTransportOptions setContentType(String contentType) {
    this.contentType = value(contentType, "contentType");
    return this;
  }

  /** The static headers every request carries, as given (names as spelt). */
  public Map<String, String> getHeaders() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /**
   * Adds a header every request carries, the same on every attempt (an {@code Authorization}, an
   * API key); a signer sees it among the headers and may sign it. Set twice, the second value
   * wins. The headers in {@link #RESERVED_HEADERS} and the idempotency header are refused: the
   * transport writes those itself.
   *
   * @throws IllegalArgumentException for a reserved name, a name that is not an HTTP token, or a
   *     value with a control character
   */
  public HttpTransportOptions putHeader(String name, String value) {
    String token = token(name, "name");
    String lower = token.toLowerCase(Locale.ROOT);
    if (RESERVED_HEADERS.contains(lower) || lower.equals(idempotencyHeader.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("the transport writes " + token + " itself; it cannot be a static header");
    }
    headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(token));
    headers.put(token, value(value, "value of " + token));
    return this;
  }

  /** {@code name} if it is an HTTP token (RFC 9110 §5.6.2): a header name a peer will parse. */
  private static String token(String name, String what) {
    Objects.requireNonNull(name, what);
    if (name.isEmpty() || !name.chars().allMatch(HttpTransportOptions::isTokenChar)) {
      throw new IllegalArgumentException(what + " is not an HTTP header name: \"" + name + "\"");
    }
    return name;
  }

  private static boolean isTokenChar(int c) {
    return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }

  /** {@code value} if it is a header value a peer will parse: visible ASCII, spaces and tabs, not empty, no edge spaces. */
  private static String value(String value, String what) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.strip().length() != value.length()
        || !value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(what + " must be visible ASCII with inner spaces only: \"" + value + "\"");
    }
    return value;
  }

  public Set<InetAddress> getAllowedAddresses() {
    return Set.copyOf(allowedAddresses);
  }

  /**
   * Allows an address that would be refused (loopback, private, link-local ranges): only this
   * exact address, resolved targets are checked against it. Tests allow {@code 127.0.0.1}. A
   * refused delivery's reason names this method.
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
