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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vertxotp.delivery.Delivery;
import org.vertxotp.delivery.Outcome;
import org.vertxotp.delivery.spi.Transport;
import org.vertxotp.genserver.time.Clock;

/**
 * Delivers activities to inboxes: one {@code POST} of the payload's JSON per attempt, with the
 * configured {@code Content-Type} ({@code application/activity+json} by default), a
 * {@code User-Agent} naming the toolkit (and the sender's URL, if configured), the delivery id as
 * idempotency key, the options' static headers, an IMF-fixdate {@code Date}, and, with a signer,
 * an HTTP signature made afresh for every attempt.
 *
 * <p>The peer is an untrusted party. The target's host is resolved first and the resolved
 * address judged by the {@link SsrfGuard} before any connection (the connection then goes to that
 * very address, so DNS cannot change its mind in between). A whole attempt is bounded by a
 * deadline on the toolkit's clock (the lookup included), which aborts it. Redirects are not
 * followed. One worker per peer {@code host:port}.
 *
 * <p>The status line decides the outcome, the moment it arrives: a {@code 202} whose body is
 * still trickling in is delivered, as is one whose connection breaks after it. The body is then
 * drained (counted, never kept) until it ends, passes the cap, or the deadline passes; in the two
 * last cases the connection is closed rather than reused. A peer that sends no status line before
 * the deadline has not answered: a transient failure.
 *
 * <p>It is built on Vert.x core's {@link HttpClient} (which vertx-web-client wraps) because an
 * attempt must be aborted at its deadline and a body abandoned midway, and the web client offers
 * neither (its timeouts are idle timeouts).
 *
 * <p>Lifetime: Vert.x ties an HTTP client made inside a verticle to that verticle's deployment.
 * Create the transport where it lives as long as its {@link org.vertxotp.delivery.DeliveryService}
 * (outside any verticle, or in the verticle that owns the service); the service closes it when it
 * stops.
 */
public final class HttpTransport implements Transport {

  private final Vertx vertx;
  private final HttpTransportOptions options;
  private final SsrfGuard guard;
  private final HttpClient client;
  private final Targets targets = new Targets();
  private final String idempotencyHeader;
  /** The options' static headers, names in lower case as a signer sees them. */
  private final Map<String, String> staticHeaders = new LinkedHashMap<>();
  private final String userAgent;

  /** A transport with its own copy of {@code options}: changing them afterwards changes nothing here. */
  public HttpTransport(Vertx vertx, HttpTransportOptions options) {
    this.vertx = vertx;
    this.options = new HttpTransportOptions(options);
    this.guard = new SsrfGuard(this.options.getAllowedAddresses());
    this.idempotencyHeader = this.options.getIdempotencyHeader().toLowerCase(Locale.ROOT);
    this.options.getHeaders().forEach((name, value) -> staticHeaders.put(name.toLowerCase(Locale.ROOT), value));
    this.userAgent = this.options.getUserAgent();
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setConnectTimeout((int) this.options.getConnectTimeout().toMillis()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(this.options.getMaxConnectionsPerHost())
            .setMaxWaitQueueSize(4 * this.options.getMaxConnectionsPerHost()));
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
    return new Exchange(Clock.of(vertx)).run(target, delivery);
  }

  /** Every attempt ends by its request deadline, the lookup included. */
  @Override
  public Optional<Duration> attemptBound() {
    return Optional.of(options.getRequestDeadline());
  }

  /** Closes the HTTP client and its connections. */
  @Override
  public Future<Void> close() {
    return client.close();
  }

  /** The request of one attempt, signed; throws what keeps it from being sent. */
  private RequestOptions request(Target target, InetAddress address, byte[] body, long now, Delivery delivery) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("host", target.hostHeader());
    headers.put("date", HttpDate.format(now));
    headers.put("content-type", options.getContentType());
    headers.put("user-agent", userAgent);
    headers.put(idempotencyHeader, delivery.id());
    headers.putAll(staticHeaders);
    if (options.getSigner() != null) {
      options.getSigner().sign("POST", target.path(), headers, body);
    }
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()))
        .setHost(target.poolHost())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.path())
        .setFollowRedirects(false);
    headers.forEach(request::putHeader); // Vert.x checks header values here
    return request;
  }

  /**
   * One attempt's exchange, from the lookup to the end of the answer, all on the caller's (the
   * worker's) context: bounded by its deadline, decided by the status line, its body drained within
   * the cap and the deadline.
   */
  private final class Exchange {
    private final Promise<Outcome> outcome = Promise.promise();
    private final Clock clock;
    private HttpClientRequest request;
    /** The answer whose body is being drained after the status line decided, or null. */
    private HttpClientResponse draining;
    private Clock.Scheduled deadline;
    private long received;

    Exchange(Clock clock) {
      this.clock = clock;
    }

    Future<Outcome> run(Target target, Delivery delivery) {
      Duration limit = options.getRequestDeadline();
      Context context = vertx.getOrCreateContext(); // the caller's (the worker's): the whole exchange runs on it
      deadline = clock.schedule(context, limit.toNanos(), () -> {
        if (outcome.tryComplete(new Outcome.Transient(0, "no answer within " + limit.toMillis() + " ms"))) {
          abort();
        } else {
          abandonBody(); // decided already; what is left of the body is not waited for
        }
      });
      outcome.future().onComplete(ar -> {
        if (draining == null) {
          deadline.cancel(); // nothing left to bound
        }
      });
      Future<InetAddress> address = target.literal() != null
          ? Future.succeededFuture(target.literal()) // an IP literal: no lookup
          : context.executeBlocking(() -> InetAddress.getByName(target.host()), false);
      address.onComplete(resolved -> {
        if (outcome.future().isComplete()) {
          return; // the deadline passed during the lookup
        }
        if (resolved.failed()) {
          outcome.tryComplete(HttpOutcomes.noAnswer(resolved.cause())); // DNS may recover: transient
          return;
        }
        // The guard judges the address the connection will go to; only then is anything sent.
        Optional<String> refusal = guard.refusal(resolved.result());
        if (refusal.isPresent()) {
          outcome.tryComplete(new Outcome.Permanent(0, refusal.get()));
          return;
        }
        byte[] body;
        RequestOptions post;
        try {
          body = delivery.payload().encode().getBytes(StandardCharsets.UTF_8);
          post = request(target, resolved.result(), body, clock.currentTimeMillis(), delivery);
        } catch (VirtualMachineError fatal) {
          throw fatal;
        } catch (Throwable cannotSend) { // an unencodable payload, a signer without its key: retrying will not help
          outcome.tryComplete(new Outcome.Permanent(0, "cannot send: " + cannotSend));
          return;
        }
        send(post, Buffer.buffer(body));
      });
      return outcome.future();
    }

    private void send(RequestOptions post, Buffer body) {
      client.request(post).onComplete(obtained -> {
        if (obtained.failed()) {
          outcome.tryComplete(HttpOutcomes.noAnswer(obtained.cause()));
          return;
        }
        HttpClientRequest req = obtained.result();
        request = req;
        // A reset (at the deadline) or a broken connection while the request is written ends up here, not in a log.
        req.exceptionHandler(e -> outcome.tryComplete(HttpOutcomes.noAnswer(e)));
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
    }

    /** The status line decides, now; the body is drained after, counted and dropped, and past the cap the connection goes. */
    private void read(HttpClientResponse response) {
      if (outcome.future().isComplete()) {
        response.request().connection().close(); // came after the deadline: not read, not reused
        return;
      }
      draining = response;
      response.handler(chunk -> {
        received += chunk.length();
        if (received > options.getMaxResponseBytes()) {
          abandonBody();
        }
      });
      response.exceptionHandler(e -> bodyDone()); // the answer was already given: a broken body changes nothing
      response.endHandler(v -> bodyDone());
      outcome.tryComplete(HttpOutcomes.classify(response.statusCode(), response.statusMessage(),
          response.getHeader("Retry-After"), response.getHeader("Location"), clock.currentTimeMillis()));
    }

    /** The rest of the body is not read and the connection not reused. */
    private void abandonBody() {
      HttpClientResponse response = draining;
      if (response != null) {
        bodyDone();
        response.request().connection().close();
      }
    }

    private void bodyDone() {
      draining = null;
      deadline.cancel();
    }

    private void abort() {
      if (request != null) {
        request.reset();
      }
    }
  }

  /**
   * An inbox URL taken apart once: {@code problem} says why it is unusable, or is null; the pool
   * knows the peer by {@code poolHost} (one pool per peer, however its URLs spell it). An IP
   * literal host carries its address ({@code literal}), a name is looked up on every attempt.
   */
  record Target(String host, String poolHost, int port, boolean ssl, String path, String hostHeader, String destination,
                InetAddress literal, String problem) {

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
        String bare = IpLiteral.bare(host);
        InetAddress literal = IpLiteral.parse(host);
        return new Target(bare, bare.toLowerCase(Locale.ROOT), port, ssl, path, host + (port == defaultPort ? "" : ":" + port),
            host.toLowerCase(Locale.ROOT) + ":" + port, literal, null);
      } catch (URISyntaxException | java.net.UnknownHostException e) {
        return unusable(e.getMessage());
      }
    }

    private static Target unusable(String problem) {
      return new Target(null, null, 0, false, null, null, null, null, problem);
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
