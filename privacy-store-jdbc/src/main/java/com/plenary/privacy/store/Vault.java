package com.plenary.privacy.store;

import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.store.crypto.Keys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementException;

/**
 * The store's side of the people: sign-in and sessions, the rotation of their data keys, and the
 * adapters the domain's use cases work through ({@link #storage()}). No use of personal data is decided
 * here: every one is a use case of the domain, run inside its enforcer.
 */
public final class Vault {
  public static final Duration SESSION_LIFETIME = Duration.ofHours(12);
  private static final SecureRandom RANDOM = new SecureRandom();

  public record Session(String subjectId, String csrf, Instant expiresAt) {}

  private final Jdbi jdbi;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final AuditLog audit;
  private final StaffMembers staff;
  private final Clock clock;
  private final UsageEvents usage;
  private final JdbcStorage storage;

  Vault(Jdbi jdbi, Keys keys, SubjectKeys keyStore, AuditLog audit, RateWindows rates, Clock clock) {
    this.usage = new UsageEvents(jdbi, keys, keyStore, audit, clock);
    this.staff = new StaffMembers(jdbi, clock, keys, keyStore, audit);
    this.storage = new JdbcStorage(jdbi, audit, keys, keyStore, usage, rates);
    // legal requests written before their free text was sealed are sealed now, once
    jdbi.useTransaction(h -> new JdbcWork(h, audit, keys, keyStore, usage).sealLegalRequestTexts());
    this.jdbi = jdbi;
    this.keys = keys;
    this.keyStore = keyStore;
    this.audit = audit;
    this.clock = clock;
  }

  public AuditLog audit() {
    return audit;
  }

  /** Staff members, their names sealed with keys of their own. */
  public StaffMembers staff() {
    return staff;
  }

  /** Usage events and partner records, sealed with their owners' keys. */
  public UsageEvents usage() {
    return usage;
  }

  /** The port the domain's use cases work through. */
  public Storage storage() {
    return storage;
  }

  // ---- people: sessions (C6); signing in is the domain's (Subjects.signIn) ----

  /**
   * Starts a session; returns the session id (for the cookie, never stored) and its CSRF token. The id is
   * 256 bits, of which the first 16 are the tag of the person's home region ({@link Regions#sessionTag}) and
   * the rest random.
   */
  public Map.Entry<String, Session> startSession(String subjectId) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    // the token begins with the person's region's tag, as their id does: a node of another region tells where the session is held (issue 18)
    byte[] tag = Regions.sessionTag(subjectId);
    if (tag != null) {
      raw[0] = tag[0];
      raw[1] = tag[1];
    }
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    RANDOM.nextBytes(raw);
    String csrf = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = clock.instant();
    Instant expires = now.plus(SESSION_LIFETIME);
    jdbi.useHandle(h -> h.createUpdate("INSERT INTO web_session (id_hash, subject_id, csrf, created_at, expires_at) VALUES (:h, :s, :c, :at, :exp)")
        .bind("h", sha256(token)).bind("s", subjectId).bind("c", csrf).bind("at", utc(now)).bind("exp", utc(expires)).execute());
    return Map.entry(token, new Session(subjectId, csrf, expires));
  }

  public Optional<Session> session(String token) {
    if (token == null || token.length() != 43) {
      return Optional.empty();
    }
    return jdbi.withHandle(h -> h.createQuery("SELECT subject_id, csrf, expires_at FROM web_session WHERE id_hash = :h AND expires_at > :now")
        .bind("h", sha256(token)).bind("now", utc(clock.instant()))
        .map((rs, ctx) -> new Session(rs.getString("subject_id"), rs.getString("csrf"), rs.getObject("expires_at", OffsetDateTime.class).toInstant()))
        .findOne());
  }

  public void endSession(String token) {
    if (token != null) {
      jdbi.useHandle(h -> h.createUpdate("DELETE FROM web_session WHERE id_hash = :h").bind("h", sha256(token)).execute());
    }
  }

  /** How long a hand-off from a sign-in at another region's node may wait to be taken (issue 18). */
  public static final Duration HANDOFF_LIFETIME = Duration.ofMinutes(2);

  /**
   * Keeps a single-use hand-off to a session for {@code subjectId}, who signed in at another region's
   * node (issue 18); returns its token, random and naming no one, for the URL the person's browser is
   * sent to. Only its hash is stored; hand-offs past their time are removed.
   */
  public String handOff(String subjectId) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = clock.instant();
    jdbi.useTransaction(h -> {
      h.createUpdate("DELETE FROM region_handoff WHERE expires_at <= :now").bind("now", utc(now)).execute();
      h.createUpdate("INSERT INTO region_handoff (id_hash, subject_id, expires_at) VALUES (:h, :s, :exp)")
          .bind("h", sha256(token)).bind("s", subjectId).bind("exp", utc(now.plus(HANDOFF_LIFETIME))).execute();
    });
    return token;
  }

  /** The person a hand-off was kept for, if {@code token} names one in its time; it is taken: a second try finds nothing. */
  public Optional<String> takeHandOff(String token) {
    if (token == null || token.length() != 43) {
      return Optional.empty();
    }
    return jdbi.inTransaction(h -> {
      Optional<String> subject = h.createQuery("SELECT subject_id FROM region_handoff WHERE id_hash = :h AND expires_at > :now FOR UPDATE")
          .bind("h", sha256(token)).bind("now", utc(clock.instant())).mapTo(String.class).findOne();
      h.createUpdate("DELETE FROM region_handoff WHERE id_hash = :h").bind("h", sha256(token)).execute();
      return subject;
    });
  }

  /**
   * Whether the statement of a request forwarded by {@code region}'s node with the id {@code request} is
   * used here for the first time (issue 18): it is kept until {@code until}, when its time has run out
   * anyway, and any node of this region that is shown it again before then is told no. Two nodes shown the
   * same statement at once: the primary key lets one of them have it. Statements past their time are removed.
   */
  public boolean firstUseOfStatement(String region, String request, Instant until) {
    Instant now = clock.instant();
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM region_statement WHERE expires_at <= :now").bind("now", utc(now)).execute());
    try {
      jdbi.useHandle(h -> h.createUpdate("INSERT INTO region_statement (region, request, expires_at) VALUES (:r, :q, :exp)")
          .bind("r", region).bind("q", request).bind("exp", utc(until)).execute());
      return true;
    } catch (StatementException e) {
      if (e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return false; // accepted once already, by this node or another of the region
      }
      throw e;
    }
  }

  // ---- keys (C29) ----

  /** Re-wraps every data key not yet under the master key's current version, in batches; returns how many. */
  public int rewrapAll(int batch) {
    int version = keys.master().currentVersion();
    int total = 0;
    while (true) {
      List<Map.Entry<String, byte[]>> rows = keyStore.notAtVersion(version, batch);
      for (Map.Entry<String, byte[]> r : rows) {
        if (keyStore.replace(r.getKey(), r.getValue(), keys.rewrap(r.getKey(), r.getValue()), version)) {
          total++;
        }
      }
      if (rows.size() < batch) {
        return total;
      }
    }
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
