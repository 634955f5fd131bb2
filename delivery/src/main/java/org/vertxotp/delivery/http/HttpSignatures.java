package org.vertxotp.delivery.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP Signatures as the fediverse uses them (draft-cavage, {@code rsa-sha256}, over
 * {@code (request-target) host date digest}) with a {@code Digest: SHA-256=} of the body, on the
 * JDK's own crypto. {@link #signer} signs outgoing requests; {@link #verify} checks one, as a
 * receiving inbox would.
 */
public final class HttpSignatures {

  /** The headers signed, in order. */
  public static final String SIGNED_HEADERS = "(request-target) host date digest";

  private static final java.util.regex.Pattern QUOTES = java.util.regex.Pattern.compile("^\"|\"$");

  private HttpSignatures() {
  }

  /** The {@code Digest} header value of {@code body}: {@code SHA-256=} and its base64. */
  public static String digest(byte[] body) {
    try {
      return "SHA-256=" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** A signer with the key {@code keyId} names (usually the actor's key URL). */
  public static RequestSigner signer(String keyId, PrivateKey key) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(key, "key");
    return (method, path, headers, body) -> {
      headers.put("digest", digest(body));
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(signingString(method, path, headers).getBytes(StandardCharsets.UTF_8));
      String signature = Base64.getEncoder().encodeToString(rsa.sign());
      headers.put("signature", "keyId=\"" + keyId + "\",algorithm=\"rsa-sha256\",headers=\"" + SIGNED_HEADERS
          + "\",signature=\"" + signature + "\"");
    };
  }

  /**
   * True if the request's {@code Signature} header verifies with {@code key} and its {@code Digest}
   * matches {@code body}. Header names are matched without regard to case.
   */
  public static boolean verify(String method, String path, Map<String, String> requestHeaders, byte[] body, PublicKey key) {
    Map<String, String> headers = new LinkedHashMap<>();
    requestHeaders.forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
    String signatureHeader = headers.get("signature");
    if (signatureHeader == null || !digest(body).equals(headers.get("digest"))) {
      return false;
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : signatureHeader.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.put(part.substring(0, eq).trim(), QUOTES.matcher(part.substring(eq + 1).trim()).replaceAll(""));
      }
    }
    if (!SIGNED_HEADERS.equals(fields.get("headers")) || !"rsa-sha256".equals(fields.get("algorithm"))) {
      return false;
    }
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update(signingString(method, path, headers).getBytes(StandardCharsets.UTF_8));
      return rsa.verify(Base64.getDecoder().decode(fields.get("signature")));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String signingString(String method, String path, Map<String, String> headers) {
    return "(request-target): " + method.toLowerCase(Locale.ROOT) + " " + path + "\n"
        + "host: " + headers.get("host") + "\n"
        + "date: " + headers.get("date") + "\n"
        + "digest: " + headers.get("digest");
  }
}
