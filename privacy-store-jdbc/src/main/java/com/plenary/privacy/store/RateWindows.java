package com.plenary.privacy.store;

import com.plenary.privacy.Ids;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Sliding windows of counted attempts, kept in the database so that every node on it counts against the
 * same limits: sign-in throttling (C6) and the per-service message rate (C16). A window is the steps of
 * one key within the last {@code window}; each step counts {@code n}. Every change runs in a short
 * transaction of its own that first locks the keys' rows ({@code rate_key}, in key order, so two takes
 * never deadlock), so two nodes taking at once cannot both pass a limit. Keys are hashes chosen by the
 * caller, never a personal value. Thread-safe.
 */
public final class RateWindows {
  /** What {@link #reserve} did: a step counted under every key ({@code retryAfter} 0), or nothing and how long to wait. */
  public record Reservation(String stepId, long retryAfter) {
    public boolean admitted() {
      return retryAfter == 0;
    }
  }

  private final Jdbi jdbi;

  RateWindows(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * Counts one step under every key of {@code limits} (key → the most steps it may hold within {@code
   * window}), unless one of them is at its limit: then nothing is counted and the answer says how many
   * seconds until its oldest step leaves the window (at least 1).
   */
  public Reservation reserve(Map<String, Integer> limits, Duration window, Instant now) {
    Instant at = now.truncatedTo(ChronoUnit.MICROS);
    return jdbi.inTransaction(h -> {
      lock(h, limits.keySet());
      long wait = 0;
      for (var e : limits.entrySet()) {
        List<Instant> steps = steps(h, e.getKey(), at.minus(window));
        long used = steps.size();
        if (used >= e.getValue()) {
          wait = Math.max(wait, Math.max(1, Duration.between(at, steps.get(0).plus(window)).toSeconds()));
        }
      }
      if (wait > 0) {
        return new Reservation(null, wait);
      }
      String step = Ids.timeOrdered().toString();
      for (String key : limits.keySet()) {
        insert(h, key, step, at, 1);
      }
      return new Reservation(step, 0);
    });
  }

  /** Takes up to {@code wanted} of what is left of {@code limit} within {@code window} for {@code key}; answers how many it took. */
  public int take(String key, int wanted, int limit, Duration window, Instant now) {
    Instant at = now.truncatedTo(ChronoUnit.MICROS);
    return jdbi.inTransaction(h -> {
      lock(h, List.of(key));
      long used = h.createQuery("SELECT COALESCE(SUM(n), 0) FROM rate_step WHERE rate_key = :k AND at > :from").bind("k", key)
          .bind("from", utc(at.minus(window))).mapTo(Long.class).one();
      int granted = (int) Math.max(0, Math.min(wanted, limit - used));
      if (granted > 0) {
        insert(h, key, Ids.timeOrdered().toString(), at, granted);
      }
      return granted;
    });
  }

  /** Gives back {@code n} that a {@link #take} took and did not use, off the key's newest steps. */
  public void giveBack(String key, int n) {
    if (n <= 0) {
      return;
    }
    jdbi.useTransaction(h -> {
      lock(h, List.of(key));
      int left = n;
      for (var step : h.createQuery("SELECT step_id, n FROM rate_step WHERE rate_key = :k ORDER BY at DESC, step_id DESC").bind("k", key)
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2))).list()) {
        if (left == 0) {
          break;
        }
        int d = Math.min(step.getValue(), left);
        left -= d;
        if (step.getValue() == d) {
          h.createUpdate("DELETE FROM rate_step WHERE rate_key = :k AND step_id = :s").bind("k", key).bind("s", step.getKey()).execute();
        } else {
          h.createUpdate("UPDATE rate_step SET n = :n WHERE rate_key = :k AND step_id = :s").bind("n", step.getValue() - d).bind("k", key)
              .bind("s", step.getKey()).execute();
        }
      }
    });
  }

  /** Forgets every step of {@code key} (a sign-in that succeeded clears the account's failures). */
  public void forget(String key) {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM rate_step WHERE rate_key = :k").bind("k", key).execute());
  }

  /** Takes back one step that {@link #reserve} counted under {@code key}. */
  public void remove(String key, String stepId) {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM rate_step WHERE rate_key = :k AND step_id = :s").bind("k", key).bind("s", stepId).execute());
  }

  /** The steps counted under {@code key} within {@code window}; for tests and metrics. */
  public long used(String key, Duration window, Instant now) {
    return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(n), 0) FROM rate_step WHERE rate_key = :k AND at > :from").bind("k", key)
        .bind("from", utc(now.minus(window))).mapTo(Long.class).one());
  }

  /** Deletes the steps from before {@code before} and the keys left without steps; answers how many keys remain. */
  public long sweep(Instant before) {
    return jdbi.inTransaction(h -> {
      h.createUpdate("DELETE FROM rate_step WHERE at <= :before").bind("before", utc(before)).execute();
      h.createUpdate("DELETE FROM rate_key WHERE NOT EXISTS (SELECT 1 FROM rate_step s WHERE s.rate_key = rate_key.rate_key)").execute();
      return h.createQuery("SELECT COUNT(*) FROM rate_key").mapTo(Long.class).one();
    });
  }

  private static void lock(Handle h, Iterable<String> keys) {
    TreeSet<String> ordered = new TreeSet<>();
    keys.forEach(ordered::add);
    List<String> sorted = new ArrayList<>(ordered);
    for (String key : sorted) {
      if (key == null || key.isEmpty() || key.length() > 80) {
        throw new IllegalArgumentException("a rate key is 1 to 80 characters");
      }
      Schedule.insertIfAbsent(h, "rate_key", "rate_key", key, null, null);
    }
    SqlLists.query(h, "SELECT rate_key FROM rate_key WHERE rate_key IN (<keys>) ORDER BY rate_key FOR UPDATE", "keys", sorted)
        .mapTo(String.class).list();
  }

  private static List<Instant> steps(Handle h, String key, Instant from) {
    return h.createQuery("SELECT at FROM rate_step WHERE rate_key = :k AND at > :from ORDER BY at").bind("k", key).bind("from", utc(from))
        .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class).toInstant()).list();
  }

  private static void insert(Handle h, String key, String step, Instant at, int n) {
    h.createUpdate("INSERT INTO rate_step (rate_key, step_id, at, n) VALUES (:k, :s, :at, :n)").bind("k", key).bind("s", step).bind("at", utc(at))
        .bind("n", n).execute();
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
