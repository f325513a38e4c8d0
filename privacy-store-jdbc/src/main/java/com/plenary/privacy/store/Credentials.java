package com.plenary.privacy.store;

import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.NotFound;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Service and partner keys (C1, C4). A key is 256 random bits, shown once when made; only its
 * SHA-256 is stored, and look-ups compare hashes, so the table never holds a usable key. Revoked
 * keys stop working at once.
 */
public final class Credentials {
  /** Who a key belongs to. */
  public enum Kind {
    SERVICE,
    PARTNER;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A stored credential, without its key. */
  public record Credential(String id, Kind kind, String name, String keyPrefix, Instant createdAt, Instant revokedAt) {
    public boolean active() {
      return revokedAt == null;
    }
  }

  /** A credential just made, with its key: the only time the key exists outside the caller. */
  public record Issued(Credential credential, String key) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Jdbi jdbi;
  private final Clock clock;

  Credentials(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Makes a key for {@code name}; fails with {@link Conflict} if an active one of that kind and name exists. */
  public Issued issue(Kind kind, String name) {
    return issue(kind, name, false);
  }

  /**
   * Makes a demo key for {@code name} ({@code plenary serve --demo}): it authenticates only where
   * demo credentials are allowed, and {@link #revokeDemo} ends it.
   */
  public Issued issueDemo(Kind kind, String name) {
    return issue(kind, name, true);
  }

  private Issued issue(Kind kind, String name, boolean demo) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String prefix = kind == Kind.SERVICE ? "pls_" : "plp_";
    String key = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String id = kind.id().charAt(0) + "-" + UUID.randomUUID();
    Instant now = clock.instant();
    Credential c = new Credential(id, kind, name, key.substring(0, 8), now, null);
    jdbi.useTransaction(h -> {
      int active = h.createQuery("SELECT COUNT(*) FROM credential WHERE kind = :kind AND name = :name AND revoked_at IS NULL")
          .bind("kind", kind.id()).bind("name", name).mapTo(Integer.class).one();
      if (active > 0) {
        throw new Conflict("an active " + kind.id() + " named '" + name + "' already exists; revoke it first or choose another name");
      }
      h.createUpdate("INSERT INTO credential (id, kind, name, key_prefix, key_hash, created_at, demo) VALUES (:id, :kind, :name, :prefix, :hash, :at, :demo)")
          .bind("id", id).bind("kind", kind.id()).bind("name", name).bind("prefix", c.keyPrefix())
          .bind("hash", hash(key)).bind("at", now).bind("demo", demo).execute();
    });
    return new Issued(c, key);
  }

  /** The active credential whose key is {@code key}, if any, demo keys included. */
  public Optional<Credential> authenticate(String key) {
    return authenticate(key, true);
  }

  /** The active credential whose key is {@code key}, if any; a demo key only when {@code demoAllowed}. */
  public Optional<Credential> authenticate(String key, boolean demoAllowed) {
    if (key == null || key.length() < 16 || key.length() > 200) {
      return Optional.empty();
    }
    // the demo flag is judged here, not in SQL: an OR in the condition cost every authenticated request a slower plan
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM credential WHERE key_hash = :hash AND revoked_at IS NULL")
        .bind("hash", hash(key)).map((rs, ctx) -> demoAllowed || !rs.getBoolean("demo") ? Optional.of(read(rs)) : Optional.<Credential>empty())
        .findOne().flatMap(c -> c));
  }

  /** Revokes every active demo key; returns how many. */
  public int revokeDemo() {
    return jdbi.withHandle(h -> h.createUpdate("UPDATE credential SET revoked_at = :at WHERE demo = TRUE AND revoked_at IS NULL")
        .bind("at", clock.instant()).execute());
  }

  public List<Credential> list(Kind kind) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM credential WHERE kind = :kind ORDER BY created_at, id")
        .bind("kind", kind.id()).map((rs, ctx) -> read(rs)).list());
  }

  /** Revokes the credential {@code idOrName} (an id, or the name of an active one); returns it. */
  public Credential revoke(Kind kind, String idOrName) {
    return jdbi.inTransaction(h -> {
      Optional<Credential> found = h.createQuery("SELECT * FROM credential WHERE kind = :kind AND revoked_at IS NULL AND (id = :v OR name = :v)")
          .bind("kind", kind.id()).bind("v", idOrName).map((rs, ctx) -> read(rs)).findFirst();
      Credential c = found.orElseThrow(() -> new NotFound("no active " + kind.id() + " has the id or name '" + idOrName + "'"));
      Instant now = clock.instant();
      h.createUpdate("UPDATE credential SET revoked_at = :at WHERE id = :id").bind("at", now).bind("id", c.id()).execute();
      return new Credential(c.id(), c.kind(), c.name(), c.keyPrefix(), c.createdAt(), now);
    });
  }

  private static Credential read(ResultSet rs) throws SQLException {
    var revoked = rs.getObject("revoked_at", OffsetDateTime.class);
    return new Credential(rs.getString("id"), Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
        rs.getString("name"), rs.getString("key_prefix"), rs.getObject("created_at", OffsetDateTime.class).toInstant(),
        revoked == null ? null : revoked.toInstant());
  }

  /** SHA-256 in hex: right for long random keys (a slow hash buys nothing there). */
  static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
