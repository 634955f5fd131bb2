package org.vertxotp.delivery.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP literals as hosts and options spell them, parsed without ever looking a name up. */
final class IpLiteral {

  private static final Pattern DOTTED_QUAD =
      Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

  private IpLiteral() {
  }

  /** A host without the brackets of an IPv6 literal. */
  static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * The address {@code text} denotes if it is an IP literal (IPv6 with or without brackets), or
   * null if it is a host name. Digits and dots that are not a dotted quad ({@code 1.2.3},
   * {@code 2130706433}) are malformed, not names: the JDK would read them in surprising ways.
   */
  static InetAddress parse(String text) throws UnknownHostException {
    String bare = bare(text);
    if (bare.contains(":")) {
      return InetAddress.getByName("[" + bare + "]"); // bracketed: a malformed literal fails instead of being looked up
    }
    if (!bare.isEmpty() && bare.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9')) {
      if (!DOTTED_QUAD.matcher(bare).matches()) {
        throw new UnknownHostException("not an IPv4 address in dotted-quad form: " + bare);
      }
      return InetAddress.getByName(bare);
    }
    return null;
  }
}
