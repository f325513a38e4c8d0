package com.plenary.privacy.store;

import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.NotFound;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Internal review reports (C30) and their sign-off; every step is in the audit trail. */
public final class Reviews {
  /** A stored review; {@code report} is the report's JSON. */
  public record Review(String id, Instant createdAt, String createdBy, String report, String signedOffBy, Instant signedOffAt, String note) {}

  private final Jdbi jdbi;
  private final AuditLog audit;
  private final Clock clock;

  Reviews(Jdbi jdbi, AuditLog audit, Clock clock) {
    this.jdbi = jdbi;
    this.audit = audit;
    this.clock = clock;
  }

  public Review create(String by, String reportJson) {
    String id = "rv-" + UUID.randomUUID();
    Instant now = clock.instant();
    jdbi.useTransaction(h -> {
      h.createUpdate("INSERT INTO review (id, created_at, created_by, report) VALUES (:id, :at, :by, :r)")
          .bind("id", id).bind("at", now.atOffset(ZoneOffset.UTC)).bind("by", by).bind("r", reportJson).execute();
      audit.append(h, AuditRecord.recorded("staff", by, "review").purpose("improve").rules(List.of("review-created")).clauses(List.of("C30")).build());
    });
    return new Review(id, now, by, reportJson, null, null, null);
  }

  /** Signs a review off; the reviewer must not be the one who made it (four eyes). */
  public Review signOff(String id, String by, String note) {
    if (note != null && note.length() > 2000) {
      throw new com.plenary.privacy.InvalidInputException("note", "the note may be at most 2000 characters");
    }
    return jdbi.inTransaction(h -> {
      Review r = find(id).orElseThrow(() -> new NotFound("no review has the id '" + id + "'"));
      if (r.signedOffBy() != null) {
        throw new Conflict("this review is already signed off");
      }
      if (r.createdBy().equals(by)) {
        throw new Conflict("a review is signed off by someone other than the one who made it");
      }
      Instant now = clock.instant();
      h.createUpdate("UPDATE review SET signed_off_by = :by, signed_off_at = :at, sign_off_note = :n WHERE id = :id AND signed_off_by IS NULL")
          .bind("by", by).bind("at", now.atOffset(ZoneOffset.UTC)).bind("n", note).bind("id", id).execute();
      audit.append(h, AuditRecord.recorded("staff", by, "sign-off").purpose("improve").rules(List.of("review-signed-off")).clauses(List.of("C30")).build());
      return new Review(r.id(), r.createdAt(), r.createdBy(), r.report(), by, now, note);
    });
  }

  public Optional<Review> find(String id) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM review WHERE id = :id").bind("id", id).map((rs, ctx) -> read(rs)).findOne());
  }

  public List<Review> list() {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM review ORDER BY created_at DESC, id").map((rs, ctx) -> read(rs)).list());
  }

  private static Review read(java.sql.ResultSet rs) throws java.sql.SQLException {
    OffsetDateTime signed = rs.getObject("signed_off_at", OffsetDateTime.class);
    return new Review(rs.getString("id"), rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("created_by"),
        rs.getString("report"), rs.getString("signed_off_by"), signed == null ? null : signed.toInstant(), rs.getString("sign_off_note"));
  }
}
