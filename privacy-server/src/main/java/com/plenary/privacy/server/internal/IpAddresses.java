package com.plenary.privacy.server.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP minimisation as the policy sets it (C7): the low bits are zeroed before anything is stored. */
final class IpAddresses {
  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.%\\[\\]]{2,64}");
  private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private IpAddresses() {}

  /** IPv4 by hand: four octets to an int, the low bits cleared, written back (no InetAddress, so never a look-up). */
  private static String minimiseV4(String address, int zeroBits) {
    int value = 0;
    int octet = 0;
    for (int i = 0; i <= address.length(); i++) {
      char c = i < address.length() ? address.charAt(i) : '.';
      if (c == '.') {
        if (octet > 255) {
          return "unknown";
        }
        value = value << 8 | octet;
        octet = 0;
      } else {
        octet = octet * 10 + (c - '0');
      }
    }
    int mask = zeroBits >= 32 ? 0 : -1 << zeroBits;
    value &= mask;
    return (value >>> 24) + "." + (value >>> 16 & 0xFF) + "." + (value >>> 8 & 0xFF) + "." + (value & 0xFF);
  }

  /** The address with its last {@code v4Bits} (IPv4) or {@code v6Bits} (IPv6) bits zeroed, or "unknown". */
  static String minimise(String address, int v4Bits, int v6Bits) {
    if (address == null || address.isEmpty() || !LITERAL.matcher(address).matches()) {
      return "unknown";
    }
    if (V4.matcher(address).matches()) {
      return minimiseV4(address, v4Bits);
    }
    if (address.indexOf(':') < 0) {
      return "unknown"; // never a host name: no DNS look-up happens here
    }
    try {
      String literal = address.replace("[", "").replace("]", "");
      int zone = literal.indexOf('%');
      if (zone >= 0) {
        literal = literal.substring(0, zone);
      }
      byte[] bytes = InetAddress.getByName(literal).getAddress();
      int zero = bytes.length == 4 ? v4Bits : v6Bits;
      for (int bit = 0; bit < zero; bit++) {
        int i = bytes.length - 1 - bit / 8;
        bytes[i] &= (byte) ~(1 << (bit % 8));
      }
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
