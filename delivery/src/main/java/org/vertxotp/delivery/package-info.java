/**
 * The delivery worker: delivers messages once, later, reliably. A {@link org.vertxotp.delivery.DeliveryService}
 * runs a {@link org.vertxotp.delivery.DeliveryWorker} gen_server per destination (a peer's
 * {@code host:port} for HTTP, a server name for follow-ups) under a dynamic supervisor. A worker
 * retries transient failures on a backoff schedule, dead-letters or drops the rest, and
 * acknowledges an enqueue only once its store has it.
 *
 * <p>Its decisions are the pure {@link org.vertxotp.delivery.engine.RetryEngine}, a function of
 * {@code (state, event, now)}; the server is a thin shell that wires it to one keyed timer, a
 * {@link org.vertxotp.delivery.spi.Transport} and a {@link org.vertxotp.delivery.spi.DeliveryStore}.
 * Transports: {@link org.vertxotp.delivery.http.HttpTransport} (signed, SSRF-guarded POSTs to
 * inboxes) and {@link org.vertxotp.delivery.GenServerTransport} (calls to servers by name).
 */
package org.vertxotp.delivery;
