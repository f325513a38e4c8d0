package com.plenary.privacy.platform.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;

/**
 * Slows down password guessing (C6), one throttle for every way to sign in (the API and the form).
 * Within {@code window}, at most {@code perAccount} failed attempts for one email address and
 * {@code perAddress} from one client address are checked; beyond that sign-in answers 429 until the
 * oldest attempt leaves the window.
 *
 * <p>Atomic: {@link #reserve} counts an attempt as failed <em>before</em> its password is checked,
 * so attempts that arrive together cannot all pass the check first; {@link Attempt#succeeded} takes
 * the reservation back (and clears the account's failures). Thread-safe; every method holds the one
 * lock briefly, never during a password check. At most {@code tracked} keys are remembered: keys
 * whose attempts have all left the window are dropped first, then the least recently used. Keys are
 * SHA-256 hashes of the email address and the client address; nothing here is written to disk.
 */
public final class SignInThrottle {
  private static final Duration SWEEP = Duration.ofMinutes(1);

  private final int perAccount;
  private final int perAddress;
  private final Duration window;
  private final int tracked;
  private final Clock clock;
  /** In access order, so that the first entry is the least recently used. Guarded by {@code this}. */
  private final LinkedHashMap<String, Deque<Instant>> attempts = new LinkedHashMap<>(64, 0.75f, true);
  private Instant nextSweep;

  public SignInThrottle(int perAccount, int perAddress, Duration window, int tracked, Clock clock) {
    if (perAccount < 1 || perAddress < 1 || tracked < 2 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("perAccount, perAddress >= 1, tracked >= 2, window > 0");
    }
    this.perAccount = perAccount;
    this.perAddress = perAddress;
    this.window = window;
    this.tracked = tracked;
    this.clock = clock;
    this.nextSweep = clock.instant();
  }

  /** A reserved attempt: counted as failed unless {@link #succeeded} is called. */
  public final class Attempt {
    private final String account;
    private final String address;
    private final Instant at;
    private final long retryAfter;

    private Attempt(String account, String address, Instant at, long retryAfter) {
      this.account = account;
      this.address = address;
      this.at = at;
      this.retryAfter = retryAfter;
    }

    /** Seconds to wait before trying again; 0 when this attempt was admitted and its password may be checked. */
    public long retryAfter() {
      return retryAfter;
    }

    public boolean admitted() {
      return retryAfter == 0;
    }

    /** The password was right: the account's failures are forgotten and this attempt does not count against the address. */
    public void succeeded() {
      if (!admitted()) {
        throw new IllegalStateException("an attempt that was not admitted cannot succeed");
      }
      synchronized (SignInThrottle.this) {
        attempts.remove(account);
        Deque<Instant> q = attempts.get(address);
        if (q != null) {
          q.removeFirstOccurrence(at);
          if (q.isEmpty()) {
            attempts.remove(address);
          }
        }
      }
    }
  }

  /**
   * Admits an attempt and counts it as failed until it {@link Attempt#succeeded succeeds}, or refuses
   * it, counting nothing, when the account or the address is at its limit.
   */
  public synchronized Attempt reserve(String email, String clientAddress) {
    Instant now = clock.instant();
    sweep(now);
    String account = key("e", email);
    String address = key("a", clientAddress);
    long wait = Math.max(wait(account, perAccount, now), wait(address, perAddress, now));
    if (wait > 0) {
      return new Attempt(account, address, now, wait);
    }
    record(account, now);
    record(address, now);
    while (attempts.size() > tracked) {
      Iterator<String> eldest = attempts.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    return new Attempt(account, address, now, 0);
  }

  /** How many keys are remembered now; for tests and metrics. */
  synchronized int tracked() {
    return attempts.size();
  }

  private long wait(String key, int limit, Instant now) {
    Deque<Instant> q = attempts.get(key);
    if (q == null) {
      return 0;
    }
    prune(q, now);
    if (q.size() < limit) {
      return 0;
    }
    return Math.max(1, Duration.between(now, q.peekFirst().plus(window)).toSeconds());
  }

  private void record(String key, Instant now) {
    Deque<Instant> q = attempts.computeIfAbsent(key, k -> new ArrayDeque<>());
    prune(q, now);
    q.addLast(now);
  }

  private void prune(Deque<Instant> q, Instant now) {
    Instant cutoff = now.minus(window);
    while (!q.isEmpty() && !q.peekFirst().isAfter(cutoff)) {
      q.pollFirst();
    }
  }

  /** Drops the keys whose attempts have all left the window; at most once a minute (or once a window, when shorter). */
  private void sweep(Instant now) {
    if (now.isBefore(nextSweep)) {
      return;
    }
    nextSweep = now.plus(SWEEP.compareTo(window) < 0 ? SWEEP : window);
    attempts.values().removeIf(q -> {
      prune(q, now);
      return q.isEmpty();
    });
  }

  private static String key(String kind, String value) {
    try {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      return kind + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
