/**
 * Delivery over HTTP: the transport (POST with an idempotency key, a deadline, a capped body, no
 * redirects), the SSRF guard it consults before connecting, the classification of answers into
 * outcomes, and HTTP Signatures for signing.
 */
package org.vertxotp.delivery.http;
