package com.plenary.privacy.store;

import com.plenary.privacy.Ids;
import com.plenary.privacy.domain.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The tamper-evident audit trail (C14, C29).
 *
 * <p>An entry is written in the audited operation's own transaction: when the write fails, the
 * operation fails too (fail closed). Writing takes no lock, so audited operations commit side by
 * side. {@link #seal} then chains the written entries in batches, under a lock on the chain's
 * head: each gets the next sequence number and a SHA-256 over its content and the previous entry's
 * hash, so altering, removing or reordering a sealed entry breaks the chain from there on, and
 * {@link #verify} finds where. The server seals every few hundred milliseconds; an entry is only
 * tamper-evident once sealed.
 */
public final class AuditLog {
  /** One audited access. {@code subject} is the pseudonymous person id, never a personal value; {@code seq} is 0 until sealed. */
  public record Entry(
      long seq, Instant at, String actorKind, String actorId, String action, String purpose, String subject,
      List<String> categories, String effect, List<String> rules, List<String> clauses, String requestId, String prevHash, String hash) {
    public Entry {
      categories = List.copyOf(categories);
      rules = List.copyOf(rules);
      clauses = List.copyOf(clauses);
    }
  }

  /** The result of checking the whole chain. */
  public record Verification(boolean intact, long entries, long firstBrokenSeq, String detail) {}

  private static final String ZERO = "0".repeat(64);

  private final Jdbi jdbi;
  private final Clock clock;

  AuditLog(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * Writes an entry within {@code h}'s transaction; it is chained by the next {@link #seal}. A record
   * that claims a decision can only have been made by the enforcer (see {@link AuditRecord}).
   */
  public Entry append(Handle h, AuditRecord r) {
    Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
    h.createUpdate("INSERT INTO audit_log_entry (entry_id, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id) "
            + "VALUES (:id, :at, :ak, :ai, :action, :purpose, :subject, :cats, :effect, :rules, :clauses, :rid)")
        .bind("id", "a-" + Ids.timeOrdered()).bind("at", at.atOffset(ZoneOffset.UTC)).bind("ak", r.actorKind()).bind("ai", r.actorId()).bind("action", r.action())
        .bind("purpose", r.purpose()).bind("subject", r.subject()).bind("cats", String.join(",", r.categories())).bind("effect", r.effect())
        .bind("rules", String.join(",", r.rules())).bind("clauses", String.join(",", r.clauses())).bind("rid", r.requestId()).execute();
    return new Entry(0, at, r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(), r.categories(), r.effect(), r.rules(), r.clauses(),
        r.requestId(), "", "");
  }

  /** Writes entries within {@code h}'s transaction in one batch, as {@link #append(Handle, AuditRecord)} writes one. */
  public void append(Handle h, List<AuditRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    var batch = h.prepareBatch("INSERT INTO audit_log_entry (entry_id, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, "
        + "request_id) VALUES (:id, :at, :ak, :ai, :action, :purpose, :subject, :cats, :effect, :rules, :clauses, :rid)");
    for (AuditRecord r : records) {
      Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
      batch.bind("id", "a-" + Ids.timeOrdered()).bind("at", at.atOffset(ZoneOffset.UTC)).bind("ak", r.actorKind()).bind("ai", r.actorId())
          .bind("action", r.action()).bind("purpose", r.purpose()).bind("subject", r.subject()).bind("cats", String.join(",", r.categories()))
          .bind("effect", r.effect()).bind("rules", String.join(",", r.rules())).bind("clauses", String.join(",", r.clauses())).bind("rid", r.requestId())
          .add();
    }
    batch.execute();
  }

  /**
   * Chains every written, unsealed entry, oldest first, in one transaction under the head's lock;
   * returns how many were sealed. Safe to run from several nodes at once.
   */
  public int seal() {
    return jdbi.inTransaction(h -> {
      h.createUpdate("UPDATE audit_head SET seq = seq WHERE id = 1").execute(); // the chain's lock
      var head = h.createQuery("SELECT seq, hash FROM audit_head WHERE id = 1").mapToMap().one();
      long seq = ((Number) head.get("seq")).longValue();
      String prev = (String) head.get("hash");
      List<Object[]> pending = new ArrayList<>();
      h.createQuery("SELECT * FROM audit_log_entry WHERE seq IS NULL ORDER BY at, entry_id LIMIT 10000")
          .map((rs, ctx) -> new Object[] {rs.getString("entry_id"), read(rs)}).forEach(pending::add);
      if (pending.isEmpty()) {
        return 0;
      }
      var update = h.prepareBatch("UPDATE audit_log_entry SET seq = :seq, prev_hash = :prev, hash = :hash WHERE entry_id = :id AND seq IS NULL");
      for (Object[] p : pending) {
        Entry e = (Entry) p[1];
        seq++;
        Entry chained = new Entry(seq, e.at(), e.actorKind(), e.actorId(), e.action(), e.purpose(), e.subject(), e.categories(), e.effect(),
            e.rules(), e.clauses(), e.requestId(), prev, "");
        String hash = hash(chained);
        update.bind("seq", seq).bind("prev", prev).bind("hash", hash).bind("id", (String) p[0]).add();
        prev = hash;
      }
      update.execute();
      h.createUpdate("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1").bind("seq", seq).bind("hash", prev).execute();
      return pending.size();
    });
  }

  /** Entries about {@code subject}, oldest first; at most {@code limit}. */
  public List<Entry> about(String subject, int limit) {
    return jdbi.withHandle(h -> aboutWithin(h, subject, limit));
  }

  /** Entries about {@code subject} within {@code h}'s transaction. */
  List<Entry> aboutWithin(Handle h, String subject, int limit) {
    return h.createQuery("SELECT * FROM audit_log_entry WHERE subject_id = :s ORDER BY at, entry_id LIMIT :limit")
        .bind("s", subject).bind("limit", limit).map((rs, ctx) -> read(rs)).list();
  }

  /** The newest entries, newest first; at most {@code limit}, sealed before {@code beforeSeq} when given. */
  public List<Entry> recent(int limit, Long beforeSeq) {
    if (beforeSeq != null) {
      return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log_entry WHERE seq < :before ORDER BY seq DESC LIMIT :limit")
          .bind("before", beforeSeq).bind("limit", limit).map((rs, ctx) -> read(rs)).list());
    }
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log_entry ORDER BY at DESC, entry_id DESC LIMIT :limit")
        .bind("limit", limit).map((rs, ctx) -> read(rs)).list());
  }

  /** Denials since {@code since}, counted by actor kind and rule: "staff:staff-need-to-know" → 3. */
  public Map<String, Long> denialsSince(Instant since) {
    Map<String, Long> out = new TreeMap<>();
    jdbi.useHandle(h -> h.createQuery("SELECT actor_kind, rules, COUNT(*) AS n FROM audit_log_entry WHERE effect = 'deny' AND at >= :since GROUP BY actor_kind, rules")
        .bind("since", since.atOffset(ZoneOffset.UTC)).mapToMap()
        .forEach(r -> out.merge(r.get("actor_kind") + ":" + r.get("rules"), ((Number) r.get("n")).longValue(), Long::sum)));
    return out;
  }

  /**
   * Seals what is written, then walks the chain up to its head and checks every link and every hash.
   *
   * <p>Consistent under load: a seal numbers its entries and moves the head in one transaction, so
   * the head is read first and every entry up to the sequence it names is committed and final; what
   * is sealed while the walk runs is left to the next check. A head moved back behind sealed entries
   * is reported too: an entry beyond the head is only possible when the head was rewritten.
   */
  public Verification verify() {
    seal();
    return jdbi.withHandle(h -> {
      var head = head(h);
      long headSeq = ((Number) head.get("seq")).longValue();
      String prev = ZERO;
      long expectedSeq = 1;
      long count = 0;
      try (var it = h.createQuery("SELECT * FROM audit_log_entry WHERE seq IS NOT NULL AND seq <= :head ORDER BY seq")
          .bind("head", headSeq).map((rs, ctx) -> read(rs)).iterator()) {
        while (it.hasNext()) {
          Entry e = it.next();
          count++;
          if (e.seq() != expectedSeq) {
            return new Verification(false, count, expectedSeq, "entry " + expectedSeq + " is missing");
          }
          if (!e.prevHash().equals(prev)) {
            return new Verification(false, count, e.seq(), "entry " + e.seq() + " does not link to the entry before it");
          }
          if (!hash(e).equals(e.hash())) {
            return new Verification(false, count, e.seq(), "entry " + e.seq() + " was altered after it was written");
          }
          prev = e.hash();
          expectedSeq++;
        }
      }
      if (headSeq != count || !head.get("hash").equals(prev)) {
        return new Verification(false, count, count + 1, "the newest entries were removed: the head names entry " + headSeq);
      }
      // the newest sealed entry first, then the head: a seal commits both at once, so the head read after is never behind it
      Long newest = h.createQuery("SELECT MAX(seq) FROM audit_log_entry").mapTo(Long.class).one();
      long headNow = ((Number) head(h).get("seq")).longValue();
      if (newest != null && newest > headNow) {
        return new Verification(false, count, headNow + 1, "the head was moved back: it names entry " + headNow + " but entry " + newest + " is sealed");
      }
      return new Verification(true, count, 0, count + " entries, chain intact");
    });
  }

  private static Map<String, Object> head(Handle h) {
    return h.createQuery("SELECT seq, hash FROM audit_head WHERE id = 1").mapToMap().one();
  }

  static String hash(Entry e) {
    String canonical = String.join("\u001f", String.valueOf(e.seq()), e.at().toString(), e.actorKind(), e.actorId(), e.action(),
        e.purpose(), e.subject() == null ? "" : e.subject(), String.join(",", e.categories()), e.effect(), String.join(",", e.rules()),
        String.join(",", e.clauses()), e.requestId() == null ? "" : e.requestId(), e.prevHash());
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e1) {
      throw new IllegalStateException("SHA-256 is missing", e1);
    }
  }

  private static Entry read(ResultSet rs) throws SQLException {
    long seq = rs.getLong("seq");
    String prev = rs.getString("prev_hash");
    String hash = rs.getString("hash");
    return new Entry(seq, rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("actor_kind"), rs.getString("actor_id"),
        rs.getString("action"), rs.getString("purpose"), rs.getString("subject_id"), split(rs.getString("categories")), rs.getString("effect"),
        split(rs.getString("rules")), split(rs.getString("clauses")), rs.getString("request_id"), prev == null ? "" : prev, hash == null ? "" : hash);
  }

  private static List<String> split(String s) {
    return s == null || s.isEmpty() ? List.of() : List.of(s.split(","));
  }
}
