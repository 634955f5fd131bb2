package org.vertxotp.delivery.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps an untrusted peer from making the worker reach inside: a resolved address in a loopback,
 * private, link-local, unique-local, carrier-grade NAT, unspecified or multicast range is refused,
 * IPv4-mapped IPv6 addresses included, unless it is explicitly allowed. It judges the address the
 * connection will be made to, never the host name (which DNS could point anywhere).
 */
public final class SsrfGuard {

  private final Set<InetAddress> allowed;

  /** @param allowed addresses that may be reached although their range is refused (tests allow 127.0.0.1) */
  public SsrfGuard(Set<InetAddress> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  /** Why {@code address} must not be reached, or empty if it may. */
  public Optional<String> refusal(InetAddress address) {
    InetAddress plain = unmapped(address);
    if (allowed.contains(plain) || allowed.contains(address)) {
      return Optional.empty();
    }
    String range = rangeOf(plain);
    return range == null ? Optional.empty()
        : Optional.of("refused to connect to " + address.getHostAddress() + " (" + range + ")");
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
    if (address instanceof Inet4Address) {
      int first = bytes[0] & 0xff;
      int second = bytes[1] & 0xff;
      if (first == 100 && second >= 64 && second < 128) {
        return "carrier-grade NAT";
      }
      if (first == 0) {
        return "this network";
      }
    } else if ((bytes[0] & 0xfe) == 0xfc) {
      return "unique-local";
    }
    return null;
  }

  /** An IPv4-mapped (or -compatible) IPv6 address as the IPv4 address it carries. */
  static InetAddress unmapped(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] bytes = address.getAddress();
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return address;
      }
    }
    boolean mapped = (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
    boolean compatible = bytes[10] == 0 && bytes[11] == 0 && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0);
    if (!mapped && !compatible) {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
    } catch (UnknownHostException impossible) {
      return address;
    }
  }
}
