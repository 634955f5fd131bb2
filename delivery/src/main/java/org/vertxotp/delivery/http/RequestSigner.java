package org.vertxotp.delivery.http;

import java.util.Map;

/**
 * Signs one attempt's request just before it is sent (every attempt is signed afresh, with its own
 * {@code Date}). It may add or change headers; throwing makes the attempt fail permanently (a
 * missing key does not get better by retrying).
 */
@FunctionalInterface
public interface RequestSigner {

  /**
   * @param method  the HTTP method, upper case
   * @param path    the request target: path and query
   * @param headers the headers so far ({@code host}, {@code date}, {@code content-type} and the
   *                idempotency key), lower-case names; add the signature (and a {@code digest}) here
   * @param body    the exact bytes that will be sent
   */
  void sign(String method, String path, Map<String, String> headers, byte[] body) throws Exception;
}
