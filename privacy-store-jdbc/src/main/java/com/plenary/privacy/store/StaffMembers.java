package com.plenary.privacy.store;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.StaffRecords.Grant;
import com.plenary.privacy.store.crypto.Keys;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Staff members (C32, C33): their type, roles and confidentiality agreement. A staff member's name is
 * personal data: it is sealed with a data key of their own, kept in the key store like people's keys.
 */
public final class StaffMembers {
  /** A staff member as stored. */
  public record StaffMember(String id, String name, String type, List<String> roles, Instant agreementSigned, Instant createdAt, Instant revokedAt) {
    public StaffMember {
      roles = List.copyOf(roles);
    }

    public boolean active() {
      return revokedAt == null;
    }
  }

  private static final String NAME = "staff-name";

  private final Jdbi jdbi;
  private final Clock clock;
  private final Keys keys;
  private final SubjectKeys keyStore;

  private final AuditLog audit;

  StaffMembers(Jdbi jdbi, Clock clock, Keys keys, SubjectKeys keyStore, AuditLog audit) {
    this.jdbi = jdbi;
    this.audit = audit;
    this.clock = clock;
    this.keys = keys;
    this.keyStore = keyStore;
    sealPlainNames();
  }

  /** Seals names stored in plain text before names were sealed, and clears the plain column. */
  private void sealPlainNames() {
    jdbi.useTransaction(h -> {
      List<Map.Entry<String, String>> plain = h.createQuery("SELECT id, name FROM staff_member WHERE name IS NOT NULL")
          .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("name"))).list();
      for (var e : plain) {
        h.createUpdate("UPDATE staff_member SET name_sealed = :sealed, name = NULL WHERE id = :id")
            .bind("sealed", newKey(e.getKey()).seal(NAME, e.getValue())).bind("id", e.getKey()).execute();
      }
    });
  }

  private Keys.DataKey newKey(String id) {
    Keys.DataKey key = keys.newDataKey(id);
    keyStore.put(id, key.wrapped(), key.version());
    return key;
  }

  private String name(String id, byte[] sealed) {
    SubjectKeys.Wrapped w = keyStore.get(id).orElseThrow(() -> new StoreException("the key of a staff member is missing from the key store"));
    return keys.open(id, w.wrapped(), w.version()).open(NAME, sealed);
  }

  /** Adds a staff member; {@code agreementSigned} may be null when no agreement is on file yet. */
  public StaffMember add(String name, String type, List<String> roles, Instant agreementSigned) {
    return add(name, type, roles, agreementSigned, false);
  }

  /**
   * Adds a demo staff member ({@code plenary serve --demo}): their tokens are accepted only where
   * demo credentials are allowed; see {@link #tokenHolder}.
   */
  public StaffMember addDemo(String name, String type, List<String> roles, Instant agreementSigned) {
    return add(name, type, roles, agreementSigned, true);
  }

  private StaffMember add(String name, String type, List<String> roles, Instant signed, boolean demo) {
    Instant agreementSigned = signed == null ? null : stored(signed);
    String id = "st-" + UUID.randomUUID().toString().substring(0, 13);
    Instant now = clock.instant();
    byte[] sealed = newKey(id).seal(NAME, name);
    jdbi.useTransaction(h -> {
      h.createUpdate("INSERT INTO staff_member (id, name_sealed, type, roles, agreement_signed, created_at, demo) "
              + "VALUES (:id, :name, :type, :roles, :agreement, :at, :demo)")
          .bind("id", id).bind("name", sealed).bind("type", type).bind("roles", String.join(",", roles))
          .bind("agreement", agreementSigned).bind("at", now).bind("demo", demo).execute();
      if (agreementSigned != null) {
        fileAgreement(h, id, agreementSigned, now);
      }
    });
    return new StaffMember(id, name, type, roles, agreementSigned, now, null);
  }

  /** The active demo staff members, oldest first. */
  public List<StaffMember> demoMembers() {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member WHERE demo = TRUE AND revoked_at IS NULL ORDER BY created_at, id")
        .map((rs, ctx) -> read(rs)).list());
  }

  /** Marks a member as a demo member (for one made by a version that did not mark them). */
  public void markDemo(String id) {
    jdbi.useHandle(h -> h.createUpdate("UPDATE staff_member SET demo = TRUE WHERE id = :id").bind("id", id).execute());
  }

  /**
   * Revokes every token issued to the member until now: tokens issued before this moment are refused
   * by {@link #tokenHolder}, later ones are accepted. Returns the moment.
   */
  public Instant revokeTokens(String id) {
    // to the millisecond, as tokens carry their issue time
    Instant now = stored(clock.instant());
    int n = jdbi.withHandle(h -> h.createUpdate("UPDATE staff_member SET tokens_not_before = :at WHERE id = :id").bind("at", now).bind("id", id).execute());
    if (n == 0) {
      throw new NotFound("no staff member has the id '" + id + "'");
    }
    return now;
  }

  /**
   * The member a token names, when the token may still be used: the member is active, the token was
   * issued at or after their last {@link #revokeTokens}, and a demo member only when {@code demoAllowed}.
   */
  public Optional<StaffMember> tokenHolder(String id, Instant issuedAt, boolean demoAllowed) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member WHERE id = :id AND revoked_at IS NULL "
            + "AND (tokens_not_before IS NULL OR tokens_not_before <= :issued) AND (demo = FALSE OR :demo)")
        .bind("id", id).bind("issued", issuedAt).bind("demo", demoAllowed).map((rs, ctx) -> read(rs)).findOne());
  }

  public Optional<StaffMember> find(String id) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member WHERE id = :id").bind("id", id).map((rs, ctx) -> read(rs)).findOne());
  }

  public List<StaffMember> list() {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member ORDER BY created_at, id").map((rs, ctx) -> read(rs)).list());
  }

  /**
   * Records that the member's confidentiality agreement is on file (C33), as an operator at the command
   * line does without naming the document or its expiry (document version {@code unrecorded}, no
   * expiry); a privacy officer records both through the domain's {@code StaffAccess.recordAgreement}.
   */
  public StaffMember recordAgreement(String id, Instant signed) {
    Instant at = stored(signed);
    int n = jdbi.inTransaction(h -> {
      int changed = h.createUpdate("UPDATE staff_member SET agreement_signed = :at WHERE id = :id").bind("at", at).bind("id", id).execute();
      if (changed > 0) {
        fileAgreement(h, id, at, clock.instant());
      }
      return changed;
    });
    if (n == 0) {
      throw new NotFound("no staff member has the id '" + id + "'");
    }
    return find(id).orElseThrow();
  }

  private static void fileAgreement(Handle h, String staffId, Instant signed, Instant now) {
    h.createUpdate("INSERT INTO staff_agreement (id, staff_id, document_version, signed_at, expires_at, recorded_by, recorded_at) "
            + "VALUES (:id, :s, 'unrecorded', :signed, NULL, 'cli', :at)")
        .bind("id", "ag-" + UUID.randomUUID()).bind("s", staffId).bind("signed", signed).bind("at", stored(now)).execute();
  }

  /**
   * The condition on a {@code staff_agreement} row, signed by {@code :now}, that it counts at {@code :now}
   * ({@code StaffRecords.standing}): it runs past now, or it has no expiry on file and the member has
   * signed no agreement with one.
   */
  static final String AGREEMENT_COUNTS = "(staff_agreement.expires_at > :now OR (staff_agreement.expires_at IS NULL AND NOT EXISTS (SELECT 1 FROM "
      + "staff_agreement dated WHERE dated.staff_id = staff_agreement.staff_id AND dated.expires_at IS NOT NULL AND dated.signed_at <= :now)))";

  static StaffRecords.Agreement agreement(ResultSet rs) throws SQLException {
    OffsetDateTime expires = rs.getObject("expires_at", OffsetDateTime.class);
    return new StaffRecords.Agreement(rs.getString("id"), rs.getString("staff_id"), rs.getString("document_version"),
        rs.getObject("signed_at", OffsetDateTime.class).toInstant(), expires == null ? null : expires.toInstant(), rs.getString("recorded_by"),
        rs.getObject("recorded_at", OffsetDateTime.class).toInstant());
  }

  public StaffMember revoke(String id) {
    int n = jdbi.withHandle(h -> h.createUpdate("UPDATE staff_member SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL").bind("at", clock.instant()).bind("id", id).execute());
    if (n == 0) {
      throw new NotFound("no active staff member has the id '" + id + "'");
    }
    return find(id).orElseThrow();
  }

  /** The member's grants in force now, as the decision engine takes them (chosen by the database, not from the whole history). */
  public List<Facts.Grant> grantsInForce(String staffId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_grant WHERE staff_id = :s AND status = 'approved' AND subjects IS NULL "
            + "AND revoked_at IS NULL AND valid_from <= :now AND valid_until > :now")
        .bind("s", staffId).bind("now", clock.instant()).map((rs, ctx) -> grant(rs))
        .map(g -> new Facts.Grant(g.role(), g.categories(), g.purposes(), g.from(), g.until())).list());
  }

  /**
   * What the decision engine needs about a staff member on a request that names no person: the
   * agreement in force and the grants in force for anyone. (A decision inside a transaction looks these
   * up itself, with the grants that name the person and break-glass openings.) The name stays sealed: opening it would cost a key-store read per request.
   */
  public Facts.Staff facts(String staffId, String type) {
    Instant agreement = jdbi.withHandle(h -> h.createQuery("SELECT signed_at FROM staff_agreement WHERE staff_id = :id AND signed_at <= :now AND "
            + AGREEMENT_COUNTS + " ORDER BY signed_at DESC").bind("id", staffId).bind("now", clock.instant())
        .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class).toInstant()).findFirst()).orElse(null);
    return new Facts.Staff(staffId, type, agreement, grantsInForce(staffId));
  }

  /** A grant as stored, its justification left sealed (null here). */
  static Grant grant(ResultSet rs) throws SQLException {
    OffsetDateTime revoked = rs.getObject("revoked_at", OffsetDateTime.class);
    OffsetDateTime decided = rs.getObject("decided_at", OffsetDateTime.class);
    String subjects = rs.getString("subjects");
    return new Grant(rs.getString("id"), rs.getString("staff_id"), rs.getString("role"), split(rs.getString("categories")), split(rs.getString("purposes")),
        rs.getObject("valid_from", OffsetDateTime.class).toInstant(), rs.getObject("valid_until", OffsetDateTime.class).toInstant(),
        rs.getString("granted_by"), rs.getObject("created_at", OffsetDateTime.class).toInstant(), revoked == null ? null : revoked.toInstant(),
        rs.getString("status"), subjects == null ? List.of() : split(subjects), null, decided == null ? null : decided.toInstant());
  }

  private static List<String> split(String joined) {
    return joined.isEmpty() ? List.of() : Arrays.asList(joined.split(","));
  }

  private StaffMember read(ResultSet rs) throws SQLException {
    OffsetDateTime agreement = rs.getObject("agreement_signed", OffsetDateTime.class);
    OffsetDateTime revoked = rs.getObject("revoked_at", OffsetDateTime.class);
    String roles = rs.getString("roles");
    String id = rs.getString("id");
    return new StaffMember(id, name(id, rs.getBytes("name_sealed")), rs.getString("type"),
        roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")),
        agreement == null ? null : agreement.toInstant(), rs.getObject("created_at", OffsetDateTime.class).toInstant(),
        revoked == null ? null : revoked.toInstant());
  }

  /**
   * A time as the databases keep it, to the millisecond: PostgreSQL and H2 round nanoseconds, possibly
   * up, which would put a grant or an agreement given "now" a fraction of a microsecond in the future,
   * so not yet in force.
   */
  private static Instant stored(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }
}
