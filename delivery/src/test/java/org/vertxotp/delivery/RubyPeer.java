package org.vertxotp.delivery;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Map;
import org.jruby.embed.InvokeFailedException;
import org.jruby.embed.LocalContextScope;
import org.jruby.embed.LocalVariableBehavior;
import org.jruby.embed.ScriptingContainer;

/**
 * What a Ruby peer makes of a request: Ruby's own {@code Time.httpdate} (the strict IMF-fixdate
 * parser Mastodon checks a signed {@code Date} with) and a signature check written the way
 * Mastodon's {@code SignatureVerification} does it, on Ruby's OpenSSL. Code we did not write,
 * run in this JVM (JRuby).
 */
final class RubyPeer {

  private static final String SCRIPT = """
      require 'time'
      require 'openssl'
      require 'base64'
      module Peer
        def self.httpdate_millis(value)
          (Time.httpdate(value).to_r * 1000).to_i
        end

        # nil if the request verifies, else why not
        def self.verdict(method, path, headers, body_b64, pem)
          body = Base64.decode64(body_b64)
          signature = headers['signature'] or return 'no signature header'
          params = {}
          signature.scan(/(\\w+)="([^"]*)"/) { |k, v| params[k] = v }
          signed = params['headers'].to_s.split(' ')
          return 'date and digest must be signed' unless signed.include?('date') && signed.include?('digest')
          begin
            Time.httpdate(headers['date'].to_s)
          rescue ArgumentError => e
            return "date refused: #{e.message}"
          end
          digest = 'SHA-256=' + Base64.strict_encode64(OpenSSL::Digest::SHA256.digest(body))
          return "digest mismatch: #{headers['digest']}" unless headers['digest'] == digest
          string = signed.map do |h|
            h == '(request-target)' ? "(request-target): #{method.downcase} #{path}" : "#{h}: #{headers[h]}"
          end.join("\\n")
          key = OpenSSL::PKey::RSA.new(pem)
          key.verify(OpenSSL::Digest::SHA256.new, Base64.decode64(params['signature'].to_s), string) ? nil : 'signature does not verify'
        end
      end
      Peer
      """;

  private static ScriptingContainer ruby;
  private static Object peer;

  private RubyPeer() {
  }

  private static synchronized Object peer() {
    if (peer == null) {
      ruby = new ScriptingContainer(LocalContextScope.SINGLETHREAD, LocalVariableBehavior.TRANSIENT);
      peer = ruby.runScriptlet(SCRIPT);
    }
    return peer;
  }

  /** What {@code Time.httpdate(value)} reads, in epoch milliseconds; throws with Ruby's message if it refuses it. */
  static synchronized long httpdate(String value) {
    try {
      return ((Number) ruby().callMethod(peer(), "httpdate_millis", value)).longValue();
    } catch (InvokeFailedException refused) {
      throw new IllegalArgumentException(refused.getMessage(), refused);
    }
  }

  /** Null if a Mastodon-style check accepts the request, else why it refuses it. */
  static synchronized String verdict(String method, String path, Map<String, String> headers, byte[] body, PublicKey key) {
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
    Object verdict = ruby().callMethod(peer(), "verdict", method, path, headers, Base64.getEncoder().encodeToString(body), pem);
    return verdict == null ? null : verdict.toString();
  }

  private static ScriptingContainer ruby() {
    peer();
    return ruby;
  }
}
