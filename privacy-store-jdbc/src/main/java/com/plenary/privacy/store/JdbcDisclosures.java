package com.plenary.privacy.store;

import com.plenary.privacy.domain.DisclosureRecords;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/** Disclosures, recipients' webhook endpoints and correction notices over one transaction's handle (C23–C28, C35). */
final class JdbcDisclosures implements DisclosureRecords {
  private static final int BATCH = 1_000;
  private final Handle h;

  JdbcDisclosures(Handle h) {
    this.h = h;
  }

  @Override
  public void add(Disclosure d, List<Released> people) {
    h.createUpdate("INSERT INTO disclosure (id, recipient, purpose, ground, categories, legal_request_id, made_by, made_at, people) "
            + "VALUES (:id, :r, :p, :g, :c, :l, :by, :at, :n)")
        .bind("id", d.id()).bind("r", d.recipient()).bind("p", d.purpose()).bind("g", d.ground()).bind("c", String.join(",", d.categories()))
        .bind("l", d.legalRequestId()).bind("by", d.madeBy()).bind("at", utc(d.madeAt())).bind("n", d.people()).execute();
    PreparedBatch batch = h.prepareBatch("INSERT INTO disclosure_subject (disclosure_id, subject_id, fields) VALUES (:d, :s, :f)");
    int n = 0;
    for (Released r : people) {
      batch.bind("d", d.id()).bind("s", r.subjectId()).bind("f", String.join(",", r.fields())).add();
      if (++n % BATCH == 0) {
        batch.execute();
        batch = h.prepareBatch("INSERT INTO disclosure_subject (disclosure_id, subject_id, fields) VALUES (:d, :s, :f)");
      }
    }
    if (n % BATCH != 0) {
      batch.execute();
    }
  }

  @Override
  public List<Received> of(String subjectId) {
    return h.createQuery("SELECT d.id, d.recipient, d.purpose, d.ground, d.made_at, s.fields FROM disclosure_subject s "
            + "JOIN disclosure d ON d.id = s.disclosure_id WHERE s.subject_id = :s ORDER BY d.made_at, d.id")
        .bind("s", subjectId).map((rs, ctx) -> received(rs)).list();
  }

  @Override
  public List<Received> receivedAny(String subjectId, Collection<String> fields) {
    Set<String> wanted = new HashSet<>(fields);
    List<Received> out = new ArrayList<>();
    for (Received r : of(subjectId)) {
      if (r.fields().stream().anyMatch(wanted::contains)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public void addNotice(Notice n) {
    h.createUpdate("INSERT INTO correction_notice (id, subject_id, recipient, field, created_at, disclosure_id, status, attempts, next_attempt_at) "
            + "VALUES (:id, :s, :r, :f, :at, :d, :st, :a, :next)")
        .bind("id", n.id()).bind("s", n.subjectId()).bind("r", n.recipient()).bind("f", n.field()).bind("at", utc(n.createdAt()))
        .bind("d", n.disclosureId()).bind("st", n.status()).bind("a", n.attempts()).bind("next", utc(n.nextAttemptAt())).execute();
  }

  @Override
  public List<Notice> notices(String subjectId) {
    return h.createQuery("SELECT * FROM correction_notice WHERE subject_id = :s ORDER BY created_at, id").bind("s", subjectId)
        .map((rs, ctx) -> notice(rs)).list();
  }

  @Override
  public List<Notice> dueNotices(Instant now, int limit) {
    return h.createQuery("SELECT * FROM correction_notice WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY next_attempt_at, id "
            + "FETCH FIRST " + limit + " ROWS ONLY")
        .bind("now", utc(now)).map((rs, ctx) -> notice(rs)).list();
  }

  @Override
  public void noticeAttempted(String id, String status, int attempts, Instant next, Instant deliveredAt) {
    h.createUpdate("UPDATE correction_notice SET status = :st, attempts = :a, next_attempt_at = :next, delivered_at = :d WHERE id = :id")
        .bind("st", status).bind("a", attempts).bind("next", utc(next)).bind("d", utc(deliveredAt)).bind("id", id).execute();
  }

  @Override
  public void setEndpoint(Endpoint e) {
    h.createUpdate("DELETE FROM recipient_endpoint WHERE recipient_id = :r").bind("r", e.recipient()).execute();
    h.createUpdate("INSERT INTO recipient_endpoint (recipient_id, url, set_at, set_by) VALUES (:r, :u, :at, :by)")
        .bind("r", e.recipient()).bind("u", e.url()).bind("at", utc(e.setAt())).bind("by", e.setBy()).execute();
  }

  @Override
  public Optional<Endpoint> endpoint(String recipient) {
    return h.createQuery("SELECT * FROM recipient_endpoint WHERE recipient_id = :r").bind("r", recipient)
        .map((rs, ctx) -> new Endpoint(rs.getString("recipient_id"), rs.getString("url"), instant(rs, "set_at"), rs.getString("set_by"))).findOne();
  }

  @Override
  public List<ByGround> byGroundSince(Instant since) {
    return h.createQuery("SELECT ground, COUNT(*) AS n, COALESCE(SUM(people), 0) AS p FROM disclosure WHERE made_at >= :since GROUP BY ground ORDER BY ground")
        .bind("since", utc(since)).map((rs, ctx) -> new ByGround(rs.getString("ground"), rs.getLong("n"), rs.getLong("p"))).list();
  }

  private static Received received(ResultSet rs) throws SQLException {
    String fields = rs.getString("fields");
    return new Received(rs.getString("id"), rs.getString("recipient"), rs.getString("purpose"), rs.getString("ground"),
        fields.isEmpty() ? List.of() : List.of(fields.split(",")), instant(rs, "made_at"));
  }

  private static Notice notice(ResultSet rs) throws SQLException {
    return new Notice(rs.getString("id"), rs.getString("subject_id"), rs.getString("recipient"), rs.getString("field"), rs.getString("disclosure_id"),
        instant(rs, "created_at"), rs.getString("status"), rs.getInt("attempts"), instant(rs, "next_attempt_at"), instant(rs, "delivered_at"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  static OffsetDateTime utc(Instant i) {
    return i == null ? null : i.atOffset(ZoneOffset.UTC);
  }
}
