package com.plenary.privacy.store;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import com.plenary.privacy.store.crypto.Keys;
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

  StaffMembers(Jdbi jdbi, Clock clock, Keys keys, SubjectKeys keyStore) {
    this.jdbi = jdbi;
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
    String id = "st-" + UUID.randomUUID().toString().substring(0, 13);
    Instant now = clock.instant();
    byte[] sealed = newKey(id).seal(NAME, name);
    jdbi.useHandle(h -> h.createUpdate("INSERT INTO staff_member (id, name_sealed, type, roles, agreement_signed, created_at) VALUES (:id, :name, :type, :roles, :agreement, :at)")
        .bind("id", id).bind("name", sealed).bind("type", type).bind("roles", String.join(",", roles))
        .bind("agreement", agreementSigned).bind("at", now).execute());
    return new StaffMember(id, name, type, roles, agreementSigned, now, null);
  }

  public Optional<StaffMember> find(String id) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member WHERE id = :id").bind("id", id).map((rs, ctx) -> read(rs)).findOne());
  }

  public List<StaffMember> list() {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM staff_member ORDER BY created_at, id").map((rs, ctx) -> read(rs)).list());
  }

  /** Records that the member's confidentiality agreement is on file (C33). */
  public StaffMember recordAgreement(String id, Instant signed) {
    int n = jdbi.withHandle(h -> h.createUpdate("UPDATE staff_member SET agreement_signed = :at WHERE id = :id").bind("at", signed).bind("id", id).execute());
    if (n == 0) {
      throw new NotFound("no staff member has the id '" + id + "'");
    }
    return find(id).orElseThrow();
  }

  public StaffMember revoke(String id) {
    int n = jdbi.withHandle(h -> h.createUpdate("UPDATE staff_member SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL").bind("at", clock.instant()).bind("id", id).execute());
    if (n == 0) {
      throw new NotFound("no active staff member has the id '" + id + "'");
    }
    return find(id).orElseThrow();
  }

  private StaffMember read(java.sql.ResultSet rs) throws java.sql.SQLException {
    OffsetDateTime agreement = rs.getObject("agreement_signed", OffsetDateTime.class);
    OffsetDateTime revoked = rs.getObject("revoked_at", OffsetDateTime.class);
    String roles = rs.getString("roles");
    String id = rs.getString("id");
    return new StaffMember(id, name(id, rs.getBytes("name_sealed")), rs.getString("type"),
        roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")),
        agreement == null ? null : agreement.toInstant(), rs.getObject("created_at", OffsetDateTime.class).toInstant(),
        revoked == null ? null : revoked.toInstant());
  }
}
