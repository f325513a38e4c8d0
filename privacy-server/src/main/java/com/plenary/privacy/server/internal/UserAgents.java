package com.plenary.privacy.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * Software and hardware attributes from the User-Agent (C7), parsed with uap-java's shared regex
 * corpus: browser, operating system and device family. Only these families are kept, never the raw
 * string. Thread-safe; parses are cached.
 */
public final class UserAgents {
  private static final int CACHE = 5_000;
  private final Parser parser = new Parser();
  private final Map<String, Map<String, String>> cache = new ConcurrentHashMap<>();

  public Map<String, String> parse(String userAgent) {
    if (userAgent == null || userAgent.isBlank() || userAgent.length() > 1024) {
      return Map.of("browser", "Other", "os", "Other", "device", "Other");
    }
    Map<String, String> hit = cache.get(userAgent);
    if (hit != null) {
      return hit;
    }
    Client c = parser.parse(userAgent);
    Map<String, String> out = new LinkedHashMap<>();
    out.put("browser", c.userAgent.family);
    out.put("browser_major", c.userAgent.major == null ? "" : c.userAgent.major);
    out.put("os", c.os.family);
    out.put("device", c.device.family);
    Map<String, String> result = Map.copyOf(out);
    if (cache.size() > CACHE) {
      cache.clear();
    }
    cache.put(userAgent, result);
    return result;
  }
}
