package com.plenary.privacy.server.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing (C6): after {@value #PER_ACCOUNT} failures for one email address, or
 * {@value #PER_ADDRESS} from one client address, within the window, sign-in answers 429 until the
 * oldest failure leaves the window. Keys are hashes; nothing here is written to disk.
 */
public final class SignInThrottle {
  static final int PER_ACCOUNT = 5;
  static final int PER_ADDRESS = 20;
  static final Duration WINDOW = Duration.ofMinutes(15);

  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
  private final Clock clock;

  public SignInThrottle(Clock clock) {
    this.clock = clock;
  }

  /** Seconds to wait before trying again, or 0 when a try is allowed now. */
  public long retryAfter(String email, String address) {
    return Math.max(wait(key("e", email), PER_ACCOUNT), wait(key("a", address), PER_ADDRESS));
  }

  public void failed(String email, String address) {
    record(key("e", email));
    record(key("a", address));
  }

  public void succeeded(String email) {
    failures.remove(key("e", email));
  }

  private long wait(String key, int limit) {
    Deque<Instant> q = failures.get(key);
    if (q == null) {
      return 0;
    }
    synchronized (q) {
      prune(q);
      if (q.size() < limit) {
        return 0;
      }
      return Math.max(1, Duration.between(clock.instant(), q.peekFirst().plus(WINDOW)).toSeconds());
    }
  }

  private void record(String key) {
    Deque<Instant> q = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (q) {
      prune(q);
      q.addLast(clock.instant());
    }
  }

  private void prune(Deque<Instant> q) {
    Instant cutoff = clock.instant().minus(WINDOW);
    while (!q.isEmpty() && q.peekFirst().isBefore(cutoff)) {
      q.pollFirst();
    }
  }

  private static String key(String kind, String value) {
    try {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      return kind + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
