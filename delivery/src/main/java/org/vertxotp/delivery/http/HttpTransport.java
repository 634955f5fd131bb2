package org.vertxotp.delivery.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.time.Clock;

/**
 * Delivers activities to inboxes: one {@code POST} of the payload's JSON per attempt, with
 * {@code Content-Type: application/activity+json}, the delivery id as idempotency key, and, with a
 * signer, an HTTP signature made afresh (with its own {@code Date}) for every attempt.
 *
 * <p>The peer is an untrusted party. The target's host is resolved first and the resolved
 * address judged by the {@link SsrfGuard} before any connection (the connection then goes to that
 * very address, so DNS cannot change its mind in between). A whole attempt is bounded by a
 * deadline on the toolkit's clock, which aborts it; the body of an answer is counted, never kept,
 * and past the cap the connection is closed rather than read or reused. Redirects are not
 * followed. One worker per peer {@code host:port}.
 *
 * <p>It is built on Vert.x core's {@link HttpClient} (which vertx-web-client wraps) because an
 * attempt must be aborted at its deadline and a body abandoned midway, and the web client offers
 * neither (its timeouts are idle timeouts).
 */
public final class HttpTransport implements Transport {

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final HttpTransportOptions options;
  private final SsrfGuard guard;
  private final HttpClient client;
  private final Targets targets = new Targets();
  private final String idempotencyHeader;

  public HttpTransport(Vertx vertx, HttpTransportOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.guard = new SsrfGuard(options.getAllowedAddresses());
    this.idempotencyHeader = options.getIdempotencyHeader().toLowerCase(Locale.ROOT);
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setConnectTimeout((int) options.getConnectTimeout().toMillis()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(options.getMaxConnectionsPerHost())
            .setMaxWaitQueueSize(4 * options.getMaxConnectionsPerHost()));
  }

  /** {@code host:port} of the target, lower case; every unusable target shares the destination {@code invalid}. */
  @Override
  public String destinationOf(String target) {
    Target parsed = targets.of(target);
    return parsed.problem() == null ? parsed.destination() : "invalid";
  }

  @Override
  public Future<Outcome> send(Delivery delivery, int attempt) {
    Target target = targets.of(delivery.target());
    if (target.problem() != null) {
      return Future.succeededFuture(new Outcome.Permanent(0, "not an http(s) URL: " + target.problem()));
    }
    if (target.literal() != null) {
      return judged(target, target.literal(), delivery); // an IP literal: no lookup
    }
    return vertx.executeBlocking(() -> InetAddress.getByName(target.host()), false).transform(resolved -> resolved.failed()
        ? Future.succeededFuture(HttpOutcomes.noAnswer(resolved.cause())) // DNS may recover: transient
        : judged(target, resolved.result(), delivery));
  }

  /** The guard judges the address the connection will go to; only then is anything sent. */
  private Future<Outcome> judged(Target target, InetAddress address, Delivery delivery) {
    Optional<String> refusal = guard.refusal(address);
    if (refusal.isPresent()) {
      return Future.succeededFuture(new Outcome.Permanent(0, refusal.get()));
    }
    return post(target, address, delivery);
  }

  private Future<Outcome> post(Target target, InetAddress address, Delivery delivery) {
    byte[] body;
    Map<String, String> headers = new LinkedHashMap<>();
    Clock clock = Clock.of(vertx);
    try {
      body = delivery.payload().encode().getBytes(StandardCharsets.UTF_8);
      headers.put("host", target.hostHeader());
      headers.put("date", HTTP_DATE.format(Instant.ofEpochMilli(clock.currentTimeMillis())));
      headers.put("content-type", HttpTransportOptions.CONTENT_TYPE);
      headers.put(idempotencyHeader, delivery.id());
      if (options.getSigner() != null) {
        options.getSigner().sign("POST", target.path(), headers, body);
      }
    } catch (Exception cannotSend) { // an unencodable payload, a signer without its key: retrying will not help
      return Future.succeededFuture(new Outcome.Permanent(0, "cannot send: " + cannotSend));
    }
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.path())
        .setFollowRedirects(false);
    headers.forEach(request::putHeader);
    return new Exchange(clock).run(request, Buffer.buffer(body));
  }

  /** One attempt's exchange: bounded by its deadline, its answer's body counted and capped. */
  private final class Exchange {
    private final Promise<Outcome> outcome = Promise.promise();
    private final AtomicReference<HttpClientRequest> request = new AtomicReference<>();
    private final Clock clock;
    private long received;

    Exchange(Clock clock) {
      this.clock = clock;
    }

    Future<Outcome> run(RequestOptions options, Buffer body) {
      Context context = vertx.getOrCreateContext();
      Clock.Scheduled deadline = clock.schedule(context, HttpTransport.this.options.getRequestDeadline().toNanos(), () -> {
        if (outcome.tryComplete(new Outcome.Transient(0, "no answer within "
            + HttpTransport.this.options.getRequestDeadline().toMillis() + " ms"))) {
          abort();
        }
      });
      outcome.future().onComplete(ar -> deadline.cancel());
      client.request(options).onComplete(obtained -> {
        if (obtained.failed()) {
          outcome.tryComplete(HttpOutcomes.noAnswer(obtained.cause()));
          return;
        }
        HttpClientRequest req = obtained.result();
        request.set(req);
        if (outcome.future().isComplete()) {
          abort(); // the deadline passed while connecting
          return;
        }
        req.send(body).onComplete(answered -> {
          if (answered.failed()) {
            outcome.tryComplete(HttpOutcomes.noAnswer(answered.cause()));
          } else {
            read(answered.result());
          }
        });
      });
      return outcome.future();
    }

    /** The status decides; the body is counted and dropped, and past the cap the connection goes. */
    private void read(HttpClientResponse response) {
      Outcome classified = HttpOutcomes.classify(response.statusCode(), response.statusMessage(),
          response.getHeader("Retry-After"), response.getHeader("Location"), clock.currentTimeMillis());
      response.handler(chunk -> {
        received += chunk.length();
        if (received > HttpTransport.this.options.getMaxResponseBytes() && outcome.tryComplete(classified)) {
          response.request().connection().close(); // the rest is not read, and the connection not reused
        }
      });
      response.exceptionHandler(e -> outcome.tryComplete(classified.status() >= 200 && classified.status() < 300
          ? classified : HttpOutcomes.noAnswer(e)));
      response.endHandler(v -> outcome.tryComplete(classified));
    }

    private void abort() {
      HttpClientRequest req = request.get();
      if (req != null) {
        req.reset();
      }
    }
  }

  /**
   * An inbox URL taken apart once: {@code problem} says why it is unusable, or is null. An IP
   * literal host carries its address ({@code literal}), a name is looked up on every attempt.
   */
  record Target(String host, int port, boolean ssl, String path, String hostHeader, String destination,
                InetAddress literal, String problem) {

    private static final java.util.regex.Pattern DOTTED_QUAD =
        java.util.regex.Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    static Target parse(String url) {
      try {
        URI uri = new URI(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
          return unusable("an http or https URL with a host is needed: " + url);
        }
        boolean ssl = scheme.equals("https");
        int defaultPort = ssl ? 443 : 80;
        int port = uri.getPort() != -1 ? uri.getPort() : defaultPort;
        String host = uri.getHost();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress literal = null;
        if (bare.contains(":")) {
          literal = InetAddress.getByName("[" + bare + "]"); // bracketed, an invalid literal fails instead of being looked up
        } else if (bare.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9')) {
          if (!DOTTED_QUAD.matcher(bare).matches()) {
            return unusable("not an IPv4 address in dotted-quad form: " + bare);
          }
          literal = InetAddress.getByName(bare); // a valid literal: parsed, never looked up
        }
        return new Target(bare, port, ssl, path, host + (port == defaultPort ? "" : ":" + port),
            host.toLowerCase(Locale.ROOT) + ":" + port, literal, null);
      } catch (URISyntaxException | java.net.UnknownHostException e) {
        return unusable(e.getMessage());
      }
    }

    private static Target unusable(String problem) {
      return new Target(null, 0, false, null, null, null, null, problem);
    }
  }

  /** Parsed targets, by URL: a peer's inbox is parsed once, not on every enqueue and attempt. Any thread. */
  private static final class Targets {
    private static final int MAX = 4096;
    private final java.util.concurrent.ConcurrentHashMap<String, Target> parsed = new java.util.concurrent.ConcurrentHashMap<>();

    Target of(String url) {
      Target target = parsed.get(url);
      if (target == null) {
        if (parsed.size() >= MAX) {
          parsed.clear(); // many distinct URLs (per-actor inboxes): start over rather than grow
        }
        target = Target.parse(url);
        parsed.put(url, target);
      }
      return target;
    }
  }
}
