package org.vertxotp.delivery.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which resolved addresses the guard refuses, as a table. */
class SsrfGuardTest {

  private static Optional<String> refusal(SsrfGuard guard, String address) throws Exception {
    return guard.refusal(InetAddress.getByName(address));
  }

  @Test
  void addressesInsideAreRefusedAndPublicOnesAreNot() throws Exception {
    SsrfGuard guard = new SsrfGuard(Set.of());
    for (String inside : new String[] {"127.0.0.1", "127.9.9.9", "::1", "10.0.0.1", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "fe80::1", "fc00::1", "fd12:3456::1", "0.0.0.0", "::", "100.64.0.1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "192.0.0.8", "198.18.0.1", "198.19.255.255", "240.0.0.1",
        "255.255.255.255", "192.0.2.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1",
        "2002:a9fe:a9fe::1", "2001:0:4136:e378::1", "2001:db8::1", "100::1",
        "::ffff:0:127.0.0.1", "::ffff:0:10.0.0.1", "::ffff:0:169.254.169.254", "::5", "::ffff:1:8.8.8.8"}) {
      assertTrue(refusal(guard, inside).isPresent(), inside + " must be refused");
    }
    for (String outside : new String[] {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "100.128.0.1",
        "64:ff9b::808:808", "2002:808:808::1", "198.20.0.1", "223.255.255.254", "::ffff:0:8.8.8.8", "::8.8.8.8"}) {
      assertEquals(Optional.empty(), refusal(guard, outside), outside + " may be reached");
    }
  }

  @Test
  void theIpv4TranslatedFormIsJudgedByTheIpv4AddressItCarries() throws Exception {
    SsrfGuard guard = new SsrfGuard(Set.of());
    assertEquals(Optional.of("refused to connect to 0:0:0:0:ffff:0:7f00:1 (loopback; allow it with"
        + " HttpTransportOptions.allowAddress)"), refusal(guard, "::ffff:0:127.0.0.1"));
    assertEquals(Optional.of("refused to connect to 0:0:0:0:ffff:0:a00:1 (private; allow it with"
        + " HttpTransportOptions.allowAddress)"), refusal(guard, "::ffff:0:10.0.0.1"));
    assertEquals(Optional.empty(), refusal(new SsrfGuard(Set.of(InetAddress.getByName("127.0.0.1"))), "::ffff:0:127.0.0.1"),
        "allowed through the IPv4 address it carries");
  }

  @Test
  void aRefusalNamesTheAddressItsRangeAndTheOptionThatAllowsIt() throws Exception {
    SsrfGuard guard = new SsrfGuard(Set.of());
    assertEquals(Optional.of("refused to connect to 127.0.0.1 (loopback; allow it with HttpTransportOptions.allowAddress)"),
        refusal(guard, "127.0.0.1"));
    assertEquals(Optional.of("refused to connect to 0:0:0:0:0:0:0:5 (reserved; allow it with HttpTransportOptions.allowAddress)"),
        refusal(guard, "::5"));
  }

  @Test
  void anAllowedAddressIsReachedAndOnlyThatOne() throws Exception {
    SsrfGuard guard = new SsrfGuard(Set.of(InetAddress.getByName("127.0.0.1")));
    assertEquals(Optional.empty(), refusal(guard, "127.0.0.1"));
    assertEquals(Optional.empty(), refusal(guard, "::ffff:127.0.0.1"));
    assertTrue(refusal(guard, "127.0.0.2").isPresent());
    assertTrue(refusal(guard, "::1").isPresent());
  }

  @Test
  void eachRefusedAddressNamesItsRange() throws Exception {
    String[][] table = {
        {"0.0.0.0", "unspecified"}, {"::", "unspecified"}, {"127.0.0.1", "loopback"}, {"::1", "loopback"},
        {"169.254.169.254", "link-local"}, {"fe80::1", "link-local"}, {"10.0.0.1", "private"}, {"172.16.0.1", "private"},
        {"192.168.1.1", "private"}, {"224.0.0.1", "multicast"}, {"ff02::1", "multicast"}, {"0.1.2.3", "this network"},
        {"100.64.0.1", "carrier-grade NAT"}, {"100.127.255.255", "carrier-grade NAT"},
        {"192.0.0.8", "protocol assignments or documentation"}, {"192.0.2.1", "protocol assignments or documentation"},
        {"198.51.100.7", "protocol assignments or documentation"}, {"203.0.113.9", "protocol assignments or documentation"},
        {"198.18.0.1", "benchmarking"}, {"198.19.255.255", "benchmarking"}, {"240.0.0.1", "reserved or broadcast"},
        {"255.255.255.255", "reserved or broadcast"}, {"fc00::1", "unique-local"}, {"fdff::1", "unique-local"},
        {"2001:0:4136:e378::1", "Teredo"}, {"2001:db8::1", "documentation"}, {"64:ff9b:1::1", "local-use NAT64"},
        {"100::1", "discard-only"}, {"100::ffff:ffff:ffff:ffff", "discard-only"}, {"::5", "reserved"},
        {"::fffe:0:10.0.0.1", "reserved"}, {"64:ff9b:0:1::7f00:1", "reserved"},
        // Forms that carry an IPv4 address are judged by it.
        {"::ffff:0:10.0.0.1", "private"}, {"::10.0.0.1", "private"}, {"64:ff9b::a00:1", "private"},
        {"2002:a9fe:a9fe::1", "link-local"}, {"2002:c000:0201::", "protocol assignments or documentation"},
    };
    for (String[] row : table) {
      assertEquals(row[1], SsrfGuard.rangeOf(SsrfGuard.unmapped(InetAddress.getByName(row[0]))), row[0]);
    }
    for (String allowed : new String[] {"192.0.1.1", "192.0.3.1", "198.51.101.1", "203.0.114.1", "198.17.0.1", "198.20.0.1",
        "100.63.255.255", "100.128.0.0", "1.0.0.0", "100:0:0:1::1", "101::1", "2001:1::1", "2001:db9::1",
        "fbff::1", "fe00::1", "2002:808:808::1", "::ffff:0:8.8.8.8", "2600::1"}) {
      assertEquals(null, SsrfGuard.rangeOf(SsrfGuard.unmapped(InetAddress.getByName(allowed))), allowed);
    }
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
    assertEquals("private", SsrfGuard.rangeOf(SsrfGuard.unmapped(java.net.Inet6Address.getByAddress(null, mapped, -1))),
        "an IPv4-mapped address kept as IPv6 (the JDK's resolver turns it to IPv4 itself) is judged by what it carries");
    mapped[11] = (byte) 0xfe;
    assertEquals("reserved", SsrfGuard.rangeOf(SsrfGuard.unmapped(java.net.Inet6Address.getByAddress(null, mapped, -1))),
        "::fffe:... is no mapped form");
    mapped[10] = (byte) 0xfe;
    mapped[11] = (byte) 0xff;
    assertEquals("reserved", SsrfGuard.rangeOf(SsrfGuard.unmapped(java.net.Inet6Address.getByAddress(null, mapped, -1))));
    assertEquals(InetAddress.getByName("10.1.2.3"), SsrfGuard.unmapped(InetAddress.getByName("2002:0a01:0203::")),
        "6to4 carries the four bytes after its prefix, in order");
    assertEquals(InetAddress.getByName("fe00::1"), SsrfGuard.unmapped(InetAddress.getByName("fe00::1")), "others stay as they are");
  }
}
