package com.plenary.privacy.store;

import com.plenary.privacy.domain.RecipientRecords;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The registry of recipients and their agreements over one transaction's handle (C25). */
final class JdbcRecipients implements RecipientRecords {
  private final Handle h;

  JdbcRecipients(Handle h) {
    this.h = h;
  }

  @Override
  public boolean add(Registered r) {
    // the insert either makes the row or finds the id taken; no read-then-write race
    return h.createUpdate("INSERT INTO recipient (id, kind, name, contact, policy_version, registered_at, registered_by) "
            + "SELECT :id, :kind, :name, :contact, :pv, :at, :by FROM (VALUES (1)) AS one (x) WHERE NOT EXISTS (SELECT 1 FROM recipient WHERE id = :id)")
        .bind("id", r.id()).bind("kind", r.kind()).bind("name", r.name()).bind("contact", r.contact()).bind("pv", r.policyVersion())
        .bind("at", r.registeredAt().atOffset(ZoneOffset.UTC)).bind("by", r.registeredBy()).execute() > 0;
  }

  @Override
  public Optional<Registered> find(String id) {
    return h.createQuery("SELECT * FROM recipient WHERE id = :id").bind("id", id).map((rs, ctx) -> registered(rs)).findOne();
  }

  @Override
  public List<Registered> all() {
    return h.createQuery("SELECT * FROM recipient ORDER BY id").map((rs, ctx) -> registered(rs)).list();
  }

  @Override
  public int addAgreement(Agreement a) {
    // the primary key (recipient, version) refuses a second version with the same number; the caller's
    // transaction then fails rather than two versions sharing one
    int version = h.createQuery("SELECT COALESCE(MAX(version), 0) + 1 FROM recipient_agreement WHERE recipient_id = :r")
        .bind("r", a.recipientId()).mapTo(Integer.class).one();
    h.createUpdate("INSERT INTO recipient_agreement (recipient_id, version, categories, purposes, starts_on, ends_on, our_signatory, their_signatory, "
            + "confidentiality, security, data_centres, recorded_at, recorded_by) "
            + "VALUES (:r, :v, :c, :p, :start, :end, :ours, :theirs, :conf, :sec, :dc, :at, :by)")
        .bind("r", a.recipientId()).bind("v", version).bind("c", String.join(",", a.categories())).bind("p", String.join(",", a.purposes()))
        .bind("start", a.start()).bind("end", a.end()).bind("ours", a.ourSignatory()).bind("theirs", a.theirSignatory())
        .bind("conf", a.confidentiality()).bind("sec", a.security()).bind("dc", String.join(",", a.dataCentres()))
        .bind("at", a.recordedAt().atOffset(ZoneOffset.UTC)).bind("by", a.recordedBy()).execute();
    return version;
  }

  @Override
  public List<Agreement> agreements(String recipientId) {
    return h.createQuery("SELECT * FROM recipient_agreement WHERE recipient_id = :r ORDER BY version DESC").bind("r", recipientId)
        .map((rs, ctx) -> agreement(rs)).list();
  }

  @Override
  public Map<String, Agreement> newestAgreements() {
    Map<String, Agreement> out = new HashMap<>();
    h.createQuery("SELECT a.* FROM recipient_agreement a JOIN (SELECT recipient_id, MAX(version) AS version FROM recipient_agreement GROUP BY recipient_id) n "
        + "ON a.recipient_id = n.recipient_id AND a.version = n.version").map((rs, ctx) -> agreement(rs)).forEach(a -> out.put(a.recipientId(), a));
    return out;
  }

  private static Registered registered(ResultSet rs) throws SQLException {
    return new Registered(rs.getString("id"), rs.getString("kind"), rs.getString("name"), rs.getString("contact"), rs.getInt("policy_version"),
        rs.getObject("registered_at", OffsetDateTime.class).toInstant(), rs.getString("registered_by"));
  }

  private static Agreement agreement(ResultSet rs) throws SQLException {
    return new Agreement(rs.getString("recipient_id"), rs.getInt("version"), names(rs.getString("categories")), names(rs.getString("purposes")),
        rs.getObject("starts_on", LocalDate.class), rs.getObject("ends_on", LocalDate.class), rs.getString("our_signatory"),
        rs.getString("their_signatory"), rs.getString("confidentiality"), rs.getString("security"), names(rs.getString("data_centres")),
        rs.getObject("recorded_at", OffsetDateTime.class).toInstant(), rs.getString("recorded_by"));
  }

  private static List<String> names(String joined) {
    return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split(","));
  }
}
