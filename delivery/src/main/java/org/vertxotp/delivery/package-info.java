/**
 * The delivery worker: a gen_server per destination inbox that sends outbound activities over
 * HTTP, retries transient failures on a backoff schedule, drops permanent ones to a dead letter,
 * and never loses an accepted activity. Its decisions are a pure state machine of
 * {@code (state, event, now)}; the server is a thin shell that wires them to timers and HTTP.
 *
 * <p>Not built yet: this package holds the module's place in the build.
 */
package org.vertxotp.delivery;
