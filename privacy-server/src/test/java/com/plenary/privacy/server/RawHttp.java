package com.plenary.privacy.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection, for what {@code java.net.http} refuses
 * to send: malformed chunking, bytes in the path that no URI allows, huge header blocks, any header.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response as read off the wire: status, headers (names in lower case; the last of a repeated one) and the body, de-chunked. */
  record Response(int status, Map<String, String> headers, String body, String head) {
    String contentType() {
      return headers.getOrDefault("content-type", "");
    }

    boolean isProblem() {
      return contentType().toLowerCase(Locale.ROOT).startsWith("application/problem+json");
    }
  }

  /** Sends {@code request} (head and body as given, bytes exactly) and reads the answer until the server closes. */
  static Response exchange(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
        socket.shutdownOutput();
      } catch (IOException serverClosedEarly) {
        // a server may answer and close before reading all of a bad request; read what it said
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          all.write(buf, 0, n);
        }
      } catch (SocketException reset) {
        // a reset after the answer: keep what arrived
      }
      return parse(all.toByteArray());
    }
  }

  /** A request built from a head (request line and headers, without the blank line) and a body; {@code Connection: close} is added. */
  static Response exchange(int port, String head, byte[] body) throws IOException {
    byte[] h = (head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return exchange(port, all);
  }

  static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || end < 0) {
      return new Response(-1, Map.of(), "", text.length() > 300 ? text.substring(0, 300) : text);
    }
    String head = text.substring(0, end);
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    byte[] rest = Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      rest = dechunk(rest);
    }
    return new Response(status, headers, new String(rest, StandardCharsets.UTF_8), head);
  }

  private static byte[] dechunk(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < in.length) {
      int eol = indexOf(in, i);
      if (eol < 0) {
        break;
      }
      String size = new String(in, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
      int n;
      try {
        n = Integer.parseInt(size, 16);
      } catch (NumberFormatException e) {
        break;
      }
      if (n == 0) {
        break;
      }
      int start = eol + 2;
      out.write(in, start, Math.min(n, in.length - start));
      i = start + n + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] in, int from) {
    for (int i = from; i + 1 < in.length; i++) {
      if (in[i] == '\r' && in[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
