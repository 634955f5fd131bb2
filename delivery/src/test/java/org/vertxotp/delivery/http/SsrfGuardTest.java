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
}
