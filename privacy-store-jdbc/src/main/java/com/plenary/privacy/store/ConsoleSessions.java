package com.plenary.privacy.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The admin console's staff sessions. The cookie's value is 32 random bytes, never stored: a row is
 * found by its SHA-256, so a copy of the table opens no session. A session holds who signed in (the
 * staff id and the roles the sign-in proved), its CSRF token, and when it ends; it never holds a
 * credential or a name. Thread-safe.
 */
public final class ConsoleSessions {
  /** How long a console session lasts at most, whatever the token it began with: a working day. */
  public static final Duration LIFETIME = Duration.ofHours(8);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How the staff member signed in. */
  public enum Source {
    /** A token of the local issuer ({@code plenary staff token}). */
    LOCAL,
    /** The configured OIDC issuer, by authorization code with PKCE. */
    OIDC
  }

  /**
   * A console session: the staff id, the roles and staff type the sign-in proved, how, the issue time
   * of the local token it began with (null for OIDC), its CSRF token, its end, and when it began.
   */
  public record Session(String staffId, List<String> roles, String staffType, Source source, Instant tokenIssuedAt, String csrf, Instant expiresAt,
      Instant startedAt) {
    public Session {
      roles = List.copyOf(roles);
    }
  }

  private final Jdbi jdbi;
  private final Clock clock;

  ConsoleSessions(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * Starts a session ending at {@code until} or after {@link #LIFETIME}, whichever is sooner; returns
   * the cookie's value (never stored) and the session. Sessions that have ended are swept on the way.
   */
  public Map.Entry<String, Session> start(String staffId, List<String> roles, String staffType, Source source, Instant tokenIssuedAt, Instant until) {
    if (staffId == null || staffId.isBlank() || staffId.length() > 200) {
      throw new IllegalArgumentException("staffId is blank or longer than 200");
    }
    String token = random();
    String csrf = random();
    // to the millisecond, as both databases keep it, so the session read back is the one started
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant expires = now.plus(LIFETIME);
    if (until != null && until.isBefore(expires)) {
      expires = until.truncatedTo(ChronoUnit.MILLIS);
    }
    Session s = new Session(staffId, roles, staffType == null ? "employee" : staffType, source, tokenIssuedAt, csrf, expires, now);
    jdbi.useTransaction(h -> {
      h.createUpdate("DELETE FROM console_session WHERE expires_at <= :now").bind("now", utc(now)).execute();
      h.createUpdate("INSERT INTO console_session (id_hash, staff_id, roles, staff_type, source, token_issued_at, csrf, created_at, expires_at) "
              + "VALUES (:h, :staff, :roles, :type, :source, :issued, :csrf, :at, :exp)")
          .bind("h", Vault.sha256(token)).bind("staff", staffId).bind("roles", String.join(",", s.roles())).bind("type", s.staffType())
          .bind("source", source.name().toLowerCase(Locale.ROOT)).bind("issued", tokenIssuedAt == null ? null : utc(tokenIssuedAt))
          .bind("csrf", csrf).bind("at", utc(now)).bind("exp", utc(s.expiresAt())).execute();
    });
    return Map.entry(token, s);
  }

  /** The session the cookie value {@code token} opens, while it lasts; empty for anything else. */
  public Optional<Session> find(String token) {
    if (token == null || token.length() != 43) {
      return Optional.empty();
    }
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM console_session WHERE id_hash = :h AND expires_at > :now")
        .bind("h", Vault.sha256(token)).bind("now", utc(clock.instant()))
        .map((rs, ctx) -> {
          String roles = rs.getString("roles");
          OffsetDateTime issued = rs.getObject("token_issued_at", OffsetDateTime.class);
          return new Session(rs.getString("staff_id"), roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")), rs.getString("staff_type"),
              Source.valueOf(rs.getString("source").toUpperCase(Locale.ROOT)), issued == null ? null : issued.toInstant(), rs.getString("csrf"),
              rs.getObject("expires_at", OffsetDateTime.class).toInstant(), rs.getObject("created_at", OffsetDateTime.class).toInstant());
        })
        .findOne());
  }

  /** Ends the session of {@code token}, if there is one. */
  public void end(String token) {
    if (token != null) {
      jdbi.useHandle(h -> h.createUpdate("DELETE FROM console_session WHERE id_hash = :h").bind("h", Vault.sha256(token)).execute());
    }
  }

  /** Ends every session of {@code staffId}; returns how many. */
  public int endAll(String staffId) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM console_session WHERE staff_id = :s").bind("s", staffId).execute());
  }

  private static String random() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
