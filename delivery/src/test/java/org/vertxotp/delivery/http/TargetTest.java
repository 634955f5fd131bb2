package org.vertxotp.delivery.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** How an inbox URL is taken apart, as a table; no name is ever looked up here. */
class TargetTest {

  @Test
  void anInboxUrlGivesItsDestinationPathHostHeaderAndLiteralAddress() throws Exception {
    HttpTransport.Target local = HttpTransport.Target.parse("http://127.0.0.1:8080/inbox");
    assertEquals("127.0.0.1:8080", local.destination());
    assertEquals("/inbox", local.path());
    assertEquals("127.0.0.1:8080", local.hostHeader());
    assertEquals(InetAddress.getByName("127.0.0.1"), local.literal());

    HttpTransport.Target named = HttpTransport.Target.parse("https://Example.social/users/ann/inbox?page=1");
    assertEquals("example.social:443", named.destination());
    assertEquals("/users/ann/inbox?page=1", named.path());
    assertEquals("Example.social", named.hostHeader());
    assertNull(named.literal(), "a name is looked up when sent, not parsed as an address");

    HttpTransport.Target v6 = HttpTransport.Target.parse("http://[::1]/inbox");
    assertEquals("[::1]:80", v6.destination());
    assertEquals("[::1]", v6.hostHeader());
    assertEquals(InetAddress.getByName("::1"), v6.literal());
    assertEquals("/", HttpTransport.Target.parse("http://127.0.0.1").path());
    assertEquals(InetAddress.getByName("9.9.9.9"), HttpTransport.Target.parse("http://9.9.9.9/inbox").literal(),
        "nines are digits");
    assertEquals(InetAddress.getByName("10.0.0.1"), HttpTransport.Target.parse("http://10.0.0.1/inbox").literal(),
        "and zeros");
  }

  @Test
  void unusableUrlsAndMalformedAddressesAreProblemsNotLookups() {
    for (String bad : new String[] {"ftp://example.social/inbox", "not a url", "http:///inbox", "http://999.1.1.1/inbox",
        "http://2130706433/inbox", "http://1.2.3/inbox", "http://[zz::1]/inbox"}) {
      assertNotNull(HttpTransport.Target.parse(bad).problem(), bad + " is unusable");
    }
  }
}
