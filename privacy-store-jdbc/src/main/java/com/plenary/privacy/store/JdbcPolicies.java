package com.plenary.privacy.store;

import com.plenary.privacy.domain.PolicyRecords;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The policy versions published and people's acceptances, over one transaction's handle (C36; migration V26). */
final class JdbcPolicies implements PolicyRecords {
  private final Handle h;

  JdbcPolicies(Handle h) {
    this.h = h;
  }

  @Override
  public boolean add(Stored v) {
    // the insert either makes the row or finds the number taken; no read-then-write race between two publishers
    return h.createUpdate("INSERT INTO policy_version (version, name, effective_on, policy_text, text_sha256, changes, published_at, published_by) "
            + "SELECT :v, :name, :eff, :text, :sha, :changes, :at, :by FROM (VALUES (1)) AS one (x) WHERE NOT EXISTS (SELECT 1 FROM policy_version WHERE version = :v)")
        .bind("v", v.version()).bind("name", v.name()).bind("eff", v.effective()).bind("text", v.text()).bind("sha", v.textSha256())
        .bind("changes", v.changes()).bind("at", v.publishedAt().atOffset(ZoneOffset.UTC)).bind("by", v.publishedBy()).execute() > 0;
  }

  @Override
  public List<Stored> all() {
    return h.createQuery("SELECT * FROM policy_version ORDER BY version").map((rs, ctx) -> stored(rs)).list();
  }

  @Override
  public List<Stored> after(int version) {
    return h.createQuery("SELECT * FROM policy_version WHERE version > :v ORDER BY version").bind("v", version).map((rs, ctx) -> stored(rs)).list();
  }

  @Override
  public Optional<Stored> get(int version) {
    return h.createQuery("SELECT * FROM policy_version WHERE version = :v").bind("v", version).map((rs, ctx) -> stored(rs)).findOne();
  }

  @Override
  public List<Stored> unnotified() {
    return h.createQuery("SELECT * FROM policy_version WHERE notified_at IS NULL ORDER BY version").map((rs, ctx) -> stored(rs)).list();
  }

  @Override
  public void notified(int version, String through, Instant done) {
    // never backwards: a run of another node that read an older position, or finished before this one, is not undone
    h.createUpdate("UPDATE policy_version SET notified_through = :t, notified_at = COALESCE(notified_at, :at) "
            + "WHERE version = :v AND (notified_through IS NULL OR notified_through <= :t)")
        .bind("t", through).bind("at", done == null ? null : done.atOffset(ZoneOffset.UTC)).bind("v", version).execute();
  }

  @Override
  public List<String> peopleAfter(String after, int limit) {
    return h.createQuery("SELECT id FROM subject WHERE id > :after ORDER BY id LIMIT " + limit).bind("after", after == null ? "" : after)
        .mapTo(String.class).list();
  }

  @Override
  public boolean accept(String subjectId, int version, Instant at, String channel, String shownSha256, String requestId) {
    // evidence like a consent: a link of the consent ledger's chain
    return ConsentLedger.accept(h, subjectId, version, at, channel, shownSha256, requestId);
  }

  @Override
  public int accepted(String subjectId) {
    return h.createQuery("SELECT COALESCE(MAX(version), 0) FROM policy_acceptance WHERE subject_id = :s").bind("s", subjectId).mapTo(Integer.class).one();
  }

  private static Stored stored(ResultSet rs) throws SQLException {
    OffsetDateTime notified = rs.getObject("notified_at", OffsetDateTime.class);
    return new Stored(rs.getInt("version"), rs.getString("name"), rs.getObject("effective_on", LocalDate.class), rs.getString("policy_text"),
        rs.getString("text_sha256"), rs.getString("changes"), rs.getObject("published_at", OffsetDateTime.class).toInstant(), rs.getString("published_by"),
        rs.getString("notified_through"), notified == null ? null : notified.toInstant());
  }
}
