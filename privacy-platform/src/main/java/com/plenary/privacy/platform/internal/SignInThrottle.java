package com.plenary.privacy.platform.internal;

import com.plenary.privacy.store.RateWindows;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Slows down password guessing (C6), one throttle for every way to sign in (the API and the form) and
 * for every node serving from the database: the attempts are counted there ({@link RateWindows}), so
 * failures spread over several nodes are counted together. Within {@code window}, at most {@code
 * perAccount} failed attempts for one email address and {@code perAddress} from one client address are
 * checked; beyond that sign-in answers 429 until the oldest attempt leaves the window.
 *
 * <p>Atomic: {@link #reserve} counts an attempt as failed <em>before</em> its password is checked, in a
 * transaction that locks the account's and the address's counters, so attempts that arrive together
 * (at one node or several) cannot all pass the check first; {@link Attempt#succeeded} takes the
 * reservation back (and clears the account's failures). No lock is held during a password check. The
 * counters' keys are SHA-256 hashes of the email address and the client address; attempts that left the
 * window are swept by a scheduled job ({@link #sweep}). Thread-safe.
 */
public final class SignInThrottle {
  private final RateWindows windows;
  private final int perAccount;
  private final int perAddress;
  private final Duration window;
  private final Clock clock;

  public SignInThrottle(RateWindows windows, int perAccount, int perAddress, Duration window, Clock clock) {
    if (perAccount < 1 || perAddress < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("perAccount, perAddress >= 1, window > 0");
    }
    this.windows = windows;
    this.perAccount = perAccount;
    this.perAddress = perAddress;
    this.window = window;
    this.clock = clock;
  }

  /** A reserved attempt: counted as failed unless {@link #succeeded} is called. */
  public final class Attempt {
    private final String account;
    private final String address;
    private final String step;
    private final long retryAfter;

    private Attempt(String account, String address, String step, long retryAfter) {
      this.account = account;
      this.address = address;
      this.step = step;
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
      windows.forget(account);
      windows.remove(address, step);
    }
  }

  /**
   * Admits an attempt and counts it as failed until it {@link Attempt#succeeded succeeds}, or refuses
   * it, counting nothing, when the account or the address is at its limit.
   */
  public Attempt reserve(String email, String clientAddress) {
    String account = key("e", email);
    String address = key("a", clientAddress);
    Map<String, Integer> limits = new LinkedHashMap<>();
    limits.put(account, perAccount);
    limits.put(address, perAddress);
    RateWindows.Reservation r = windows.reserve(limits, window, clock.instant());
    return new Attempt(account, address, r.stepId(), r.retryAfter());
  }

  /**
   * Forgets the attempts that have left the window, and every other counted step older than a minute
   * or the window, whichever is longer (the message rate's window is a minute); answers how many keys remain.
   */
  public long sweep() {
    Duration keep = window.compareTo(Duration.ofMinutes(1)) > 0 ? window : Duration.ofMinutes(1);
    return windows.sweep(clock.instant().minus(keep));
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
