package com.plenary.privacy.store;

import static com.plenary.privacy.store.JdbcDisclosures.instant;
import static com.plenary.privacy.store.JdbcDisclosures.utc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.store.crypto.Keys.DataKey;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Legal requests over one transaction's handle (C26). A request's free text — its reference, its
 * justification, the reason it was rejected — may name people, so it is sealed with a data key of the
 * request's own (kept in the key store under the request's id, apart from any person's or staff
 * member's key, so that neither an erasure nor a member leaving makes the record unreadable); the
 * ground, authority, categories, dates and who acted stay plain for the transparency report.
 */
final class JdbcLegalRequests implements LegalRequestRecords {
  private static final String TEXTS = "legal-request-texts";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Handle h;
  private final Function<String, DataKey> keyOf;
  private final Function<String, DataKey> newKey;

  /** {@code keyOf} opens the key stored under an id, {@code newKey} makes and stores one. */
  JdbcLegalRequests(Handle h, Function<String, DataKey> keyOf, Function<String, DataKey> newKey) {
    this.h = h;
    this.keyOf = keyOf;
    this.newKey = newKey;
  }

  /** The free text of a request, sealed together. */
  private record Texts(String reference, String justification, String rejection) {}

  private byte[] seal(DataKey key, String id, Texts t) {
    try {
      return key.seal(TEXTS + ":" + id, JSON.writeValueAsString(t));
    } catch (JsonProcessingException e) {
      throw new StoreException("a legal request's texts could not be written", e);
    }
  }

  private Texts open(String id, byte[] sealed) {
    try {
      return JSON.readValue(keyOf.apply(id).open(TEXTS + ":" + id, sealed), Texts.class);
    } catch (JsonProcessingException e) {
      throw new StoreException("a legal request's texts could not be read", e);
    }
  }

  /** Seals the texts of requests stored in plain text before they were sealed, and clears the plain columns. */
  void sealPlainTexts() {
    record Plain(String id, String reference, String justification, String rejection) {}
    List<Plain> plain = h.createQuery("SELECT id, reference, justification, rejection FROM legal_request WHERE texts_sealed IS NULL")
        .map((rs, ctx) -> new Plain(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))).list();
    for (Plain p : plain) {
      h.createUpdate("UPDATE legal_request SET texts_sealed = :t, reference = NULL, justification = NULL, rejection = NULL WHERE id = :id")
          .bind("t", seal(newKey.apply(p.id()), p.id(), new Texts(p.reference(), p.justification(), p.rejection()))).bind("id", p.id()).execute();
    }
  }

  /** The request's facts for the engine: ground, creator, approver; null when there is no such request. */
  Facts.LegalRequest facts(String id) {
    return find(id).map(r -> new Facts.LegalRequest(r.ground(), r.createdBy(), r.approvedBy() == null ? List.of() : List.of(r.approvedBy())))
        .orElse(null);
  }

  @Override
  public void add(Request r, List<String> subjects) {
    byte[] texts = seal(newKey.apply(r.id()), r.id(), new Texts(r.reference(), r.justification(), r.rejection()));
    h.createUpdate("INSERT INTO legal_request (id, ground, authority, texts_sealed, categories, deadline, status, created_by, created_at, "
            + "people) VALUES (:id, :g, :auth, :t, :c, :dl, :st, :by, :at, :n)")
        .bind("id", r.id()).bind("g", r.ground()).bind("auth", r.authority()).bind("t", texts)
        .bind("c", String.join(",", r.categories())).bind("dl", r.deadline()).bind("st", r.status()).bind("by", r.createdBy())
        .bind("at", utc(r.createdAt())).bind("n", subjects.size()).execute();
    PreparedBatch batch = h.prepareBatch("INSERT INTO legal_request_subject (request_id, subject_id) VALUES (:r, :s)");
    for (String s : subjects) {
      batch.bind("r", r.id()).bind("s", s).add();
    }
    if (!subjects.isEmpty()) {
      batch.execute();
    }
  }

  @Override
  public Optional<Request> lock(String id) {
    return h.createQuery("SELECT * FROM legal_request WHERE id = :id FOR UPDATE").bind("id", id).map((rs, ctx) -> request(rs)).findOne();
  }

  @Override
  public Optional<Request> find(String id) {
    return h.createQuery("SELECT * FROM legal_request WHERE id = :id").bind("id", id).map((rs, ctx) -> request(rs)).findOne();
  }

  @Override
  public List<String> subjects(String id) {
    return h.createQuery("SELECT subject_id FROM legal_request_subject WHERE request_id = :id ORDER BY subject_id").bind("id", id)
        .mapTo(String.class).list();
  }

  @Override
  public List<Request> all() {
    return h.createQuery("SELECT * FROM legal_request ORDER BY created_at DESC, id").map((rs, ctx) -> request(rs)).list();
  }

  @Override
  public void update(Request r) {
    h.createUpdate("UPDATE legal_request SET status = :st, categories = :c, approved_by = :ab, approved_at = :aat, rejected_by = :rb, "
            + "texts_sealed = :t, rejected_at = :rat, released_by = :lb, released_at = :lat, people = :n WHERE id = :id")
        .bind("st", r.status()).bind("c", String.join(",", r.categories())).bind("ab", r.approvedBy()).bind("aat", utc(r.approvedAt()))
        .bind("rb", r.rejectedBy()).bind("t", seal(keyOf.apply(r.id()), r.id(), new Texts(r.reference(), r.justification(), r.rejection())))
        .bind("rat", utc(r.rejectedAt())).bind("lb", r.releasedBy())
        .bind("lat", utc(r.releasedAt())).bind("n", r.people()).bind("id", r.id()).execute();
  }

  @Override
  public void keepSubjects(String id, List<String> subjects) {
    List<String> now = subjects(id);
    for (String s : now) {
      if (!subjects.contains(s)) {
        h.createUpdate("DELETE FROM legal_request_subject WHERE request_id = :r AND subject_id = :s").bind("r", id).bind("s", s).execute();
      }
    }
  }

  @Override
  public List<Count> report(Instant from, Instant to) {
    return h.createQuery("SELECT ground, authority, COUNT(*) AS n, "
            + "SUM(CASE WHEN status = 'released' THEN 1 ELSE 0 END) AS released, "
            + "SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected, "
            + "SUM(CASE WHEN status IN ('pending', 'approved') THEN 1 ELSE 0 END) AS pending "
            + "FROM legal_request WHERE created_at >= :from AND created_at < :to GROUP BY ground, authority ORDER BY ground, authority")
        .bind("from", utc(from)).bind("to", utc(to))
        .map((rs, ctx) -> new Count(rs.getString("ground"), rs.getString("authority"), rs.getInt("n"), rs.getInt("released"), rs.getInt("rejected"),
            rs.getInt("pending"))).list();
  }

  private Request request(ResultSet rs) throws SQLException {
    String cats = rs.getString("categories");
    byte[] sealed = rs.getBytes("texts_sealed");
    // a request from before the texts were sealed, until the store's first opening seals it
    Texts t = sealed != null ? open(rs.getString("id"), sealed) : new Texts(rs.getString("reference"), rs.getString("justification"), rs.getString("rejection"));
    return new Request(rs.getString("id"), rs.getString("ground"), rs.getString("authority"), t.reference(), t.justification(),
        cats.isEmpty() ? List.of() : List.of(cats.split(",")), rs.getObject("deadline", LocalDate.class), rs.getString("status"),
        rs.getString("created_by"), instant(rs, "created_at"), rs.getString("approved_by"), instant(rs, "approved_at"), rs.getString("rejected_by"),
        t.rejection(), instant(rs, "rejected_at"), rs.getString("released_by"), instant(rs, "released_at"), rs.getInt("people"));
  }
}
