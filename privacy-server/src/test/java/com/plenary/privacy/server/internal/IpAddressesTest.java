package com.plenary.privacy.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** C7: addresses are minimised before anything is stored, and nothing here ever looks a name up. */
class IpAddressesTest {
  @Test
  void ipv4LosesItsLowBitsAsThePolicySays() {
    assertThat(IpAddresses.minimise("203.0.113.77", 8, 80)).isEqualTo("203.0.113.0");
    assertThat(IpAddresses.minimise("203.0.113.77", 16, 80)).isEqualTo("203.0.0.0");
    assertThat(IpAddresses.minimise("255.255.255.255", 12, 80)).isEqualTo("255.255.240.0");
    assertThat(IpAddresses.minimise("10.1.2.3", 0, 80)).isEqualTo("10.1.2.3");
    assertThat(IpAddresses.minimise("10.1.2.3", 32, 80)).isEqualTo("0.0.0.0");
  }

  @Test
  void ipv6LosesItsLowBitsAsThePolicySays() {
    assertThat(IpAddresses.minimise("2001:db8:85a3:1234:5678:8a2e:370:7334", 8, 80)).isEqualTo("2001:db8:85a3:0:0:0:0:0");
    assertThat(IpAddresses.minimise("[2001:db8::1]", 8, 80)).isEqualTo("2001:db8:0:0:0:0:0:0");
    assertThat(IpAddresses.minimise("fe80::1%2", 8, 80)).isEqualTo("fe80:0:0:0:0:0:0:0");
  }

  @Test
  void anythingElseIsUnknownAndNeverLookedUp() {
    assertThat(IpAddresses.minimise("999.1.1.1", 8, 80)).isEqualTo("unknown"); // not an address: no DNS query for it either
    assertThat(IpAddresses.minimise("localhost", 8, 80)).isEqualTo("unknown");
    assertThat(IpAddresses.minimise("example.org", 8, 80)).isEqualTo("unknown");
    assertThat(IpAddresses.minimise("", 8, 80)).isEqualTo("unknown");
    assertThat(IpAddresses.minimise(null, 8, 80)).isEqualTo("unknown");
    assertThat(IpAddresses.minimise("1.2.3", 8, 80)).isEqualTo("unknown");
  }
}
