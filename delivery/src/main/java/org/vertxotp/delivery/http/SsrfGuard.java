package org.vertxotp.delivery.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps an untrusted peer from making the worker reach inside: a resolved address in a loopback,
 * private, link-local, unique-local, carrier-grade NAT, unspecified, multicast, reserved,
 * benchmarking or documentation range is refused, unless it is explicitly allowed. IPv6 forms
 * that carry an IPv4 address (IPv4-mapped, -compatible and -translated, NAT64's
 * {@code 64:ff9b::/96}, 6to4's {@code 2002::/16}) are judged by the IPv4 address they carry; Teredo, local-use NAT64 and the
 * discard prefix are refused outright. It judges the address the connection will be made to,
 * never the host name (which DNS could point anywhere).
 */
public final class SsrfGuard {

  private final Set<InetAddress> allowed;

  /** @param allowed addresses that may be reached although their range is refused (tests allow 127.0.0.1) */
  public SsrfGuard(Set<InetAddress> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  /**
   * Why {@code address} must not be reached, or empty if it may: the address, its range, and the
   * option that allows it ({@code refused to connect to 127.0.0.1 (loopback; allow it with
   * HttpTransportOptions.allowAddress)}).
   */
  public Optional<String> refusal(InetAddress address) {
    InetAddress plain = unmapped(address);
    if (allowed.contains(plain) || allowed.contains(address)) {
      return Optional.empty();
    }
    String range = rangeOf(plain);
    return range == null ? Optional.empty()
        : Optional.of("refused to connect to " + address.getHostAddress() + " (" + range
            + "; allow it with HttpTransportOptions.allowAddress)");
  }

  /** The range {@code address} falls in if it is one the guard refuses, else null. */
  static String rangeOf(InetAddress address) {
    if (address.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (address.isLoopbackAddress()) {
      return "loopback";
    }
    if (address.isLinkLocalAddress()) {
      return "link-local";
    }
    if (address.isSiteLocalAddress()) {
      return "private";
    }
    if (address.isMulticastAddress()) {
      return "multicast";
    }
    byte[] bytes = address.getAddress();
    int first = bytes[0] & 0xff;
    int second = bytes[1] & 0xff;
    int third = bytes[2] & 0xff;
    if (address instanceof Inet4Address) {
      if (first == 0) {
        return "this network";
      }
      if (first == 100 && second >= 64 && second < 128) {
        return "carrier-grade NAT";
      }
      if (first == 192 && second == 0 && (third == 0 || third == 2)
          || first == 198 && second == 51 && third == 100 || first == 203 && second == 0 && third == 113) {
        return "protocol assignments or documentation";
      }
      if (first == 198 && (second == 18 || second == 19)) {
        return "benchmarking";
      }
      if (first >= 240) {
        return "reserved or broadcast";
      }
      return null;
    }
    int word0 = first << 8 | second;
    int word1 = third << 8 | (bytes[3] & 0xff);
    if ((first & 0xfe) == 0xfc) {
      return "unique-local";
    }
    if (word0 == 0x2001 && word1 == 0) {
      return "Teredo";
    }
    if (word0 == 0x2001 && word1 == 0x0db8) {
      return "documentation";
    }
    if (word0 == 0x0064 && word1 == 0xff9b && bytes[4] == 0 && bytes[5] == 1) {
      return "local-use NAT64";
    }
    if (first == 0) {
      return "reserved"; // ::/8 beyond ::1, :: and the forms that carry an IPv4 address (judged by that address)
    }
    if (word0 == 0x0100 && bytes[2] == 0 && bytes[3] == 0 && bytes[4] == 0 && bytes[5] == 0 && bytes[6] == 0 && bytes[7] == 0) {
      return "discard-only";
    }
    return null;
  }

  /**
   * The IPv4 address an IPv6 address carries, if it is of a form that reaches that IPv4 address
   * (IPv4-mapped, -compatible or -translated, NAT64 well-known prefix, 6to4); else the address as it is.
   */
  static InetAddress unmapped(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    int from;
    if (allZero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff
        || b[10] == 0 && b[11] == 0 && !allZero(b, 12, 15))) {
      from = 12; // ::ffff:a.b.c.d, ::a.b.c.d
    } else if (allZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && b[10] == 0 && b[11] == 0) {
      from = 12; // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765)
    } else if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && allZero(b, 4, 12)) {
      from = 12; // 64:ff9b::a.b.c.d
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      from = 2; // 2002:aabb:ccdd::
    } else {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
    } catch (UnknownHostException impossible) {
      return address;
    }
  }

  private static boolean allZero(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
