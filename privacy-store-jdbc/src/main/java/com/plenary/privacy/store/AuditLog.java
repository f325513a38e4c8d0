package com.plenary.privacy.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The tamper-evident audit trail (C14, C29). Every entry's hash covers its content and the hash of
 * the entry before it, so altering, removing or reordering an entry breaks the chain from there on,
 * and {@link #verify} finds where. Appends take a row lock on the chain's head, so entries from
 * several nodes still form one chain. An append runs in the caller's transaction: when it fails,
 * the audited operation fails too (fail closed).
 */
public final class AuditLog {
  /** One audited access. {@code subject} is the pseudonymous person id, never a personal value. */
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

  private final Jdbi jdbi;
  private final Clock clock;

  AuditLog(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Appends an entry within {@code h}'s transaction and returns it. */
  public Entry append(Handle h, String actorKind, String actorId, String action, String purpose, String subject,
      List<String> categories, String effect, List<String> rules, List<String> clauses, String requestId) {
    h.createUpdate("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").execute();
    var head = h.createQuery("SELECT seq, hash FROM audit_head WHERE id = 1").mapToMap().one();
    long seq = ((Number) head.get("seq")).longValue();
    String prev = (String) head.get("hash");
    Instant at = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    Entry draft = new Entry(seq, at, actorKind, actorId, action, purpose, subject, categories, effect, rules, clauses, requestId, prev, "");
    String hash = hash(draft);
    h.createUpdate("INSERT INTO audit_entry (seq, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id, prev_hash, hash) "
            + "VALUES (:seq, :at, :ak, :ai, :action, :purpose, :subject, :cats, :effect, :rules, :clauses, :rid, :prev, :hash)")
        .bind("seq", seq).bind("at", at.atOffset(ZoneOffset.UTC)).bind("ak", actorKind).bind("ai", actorId).bind("action", action)
        .bind("purpose", purpose).bind("subject", subject).bind("cats", String.join(",", categories)).bind("effect", effect)
        .bind("rules", String.join(",", rules)).bind("clauses", String.join(",", clauses)).bind("rid", requestId)
        .bind("prev", prev).bind("hash", hash).execute();
    h.createUpdate("UPDATE audit_head SET hash = :hash WHERE id = 1").bind("hash", hash).execute();
    return new Entry(seq, at, actorKind, actorId, action, purpose, subject, categories, effect, rules, clauses, requestId, prev, hash);
  }

  /** Appends in a transaction of its own. */
  public Entry append(String actorKind, String actorId, String action, String purpose, String subject,
      List<String> categories, String effect, List<String> rules, List<String> clauses, String requestId) {
    return jdbi.inTransaction(h -> append(h, actorKind, actorId, action, purpose, subject, categories, effect, rules, clauses, requestId));
  }

  /** Entries about {@code subject}, oldest first; at most {@code limit}. */
  public List<Entry> about(String subject, int limit) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_entry WHERE subject_id = :s ORDER BY seq LIMIT :limit")
        .bind("s", subject).bind("limit", limit).map((rs, ctx) -> read(rs)).list());
  }

  /** Entries about {@code subject} within {@code h}'s transaction. */
  List<Entry> aboutWithin(Handle h, String subject, int limit) {
    return h.createQuery("SELECT * FROM audit_entry WHERE subject_id = :s ORDER BY seq LIMIT :limit")
        .bind("s", subject).bind("limit", limit).map((rs, ctx) -> read(rs)).list();
  }

  /** The newest entries, newest first; at most {@code limit}, older than {@code beforeSeq} when given. */
  public List<Entry> recent(int limit, Long beforeSeq) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_entry WHERE seq < :before ORDER BY seq DESC LIMIT :limit")
        .bind("before", beforeSeq == null ? Long.MAX_VALUE : beforeSeq).bind("limit", limit).map((rs, ctx) -> read(rs)).list());
  }

  /** Denials since {@code since}, counted by actor kind and rule: "staff:staff-need-to-know" → 3. */
  public java.util.Map<String, Long> denialsSince(Instant since) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    jdbi.useHandle(h -> h.createQuery("SELECT actor_kind, rules, COUNT(*) AS n FROM audit_entry WHERE effect = 'deny' AND at >= :since GROUP BY actor_kind, rules")
        .bind("since", since.atOffset(ZoneOffset.UTC)).mapToMap()
        .forEach(r -> out.merge(r.get("actor_kind") + ":" + r.get("rules"), ((Number) r.get("n")).longValue(), Long::sum)));
    return out;
  }

  /** Walks the whole chain and checks every link and every hash. */
  public Verification verify() {
    return jdbi.withHandle(h -> {
      String prev = "0".repeat(64);
      long expectedSeq = 1;
      long count = 0;
      try (var it = h.createQuery("SELECT * FROM audit_entry ORDER BY seq").map((rs, ctx) -> read(rs)).iterator()) {
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
      var head = h.createQuery("SELECT seq, hash FROM audit_head WHERE id = 1").mapToMap().one();
      if (((Number) head.get("seq")).longValue() != count || !head.get("hash").equals(prev)) {
        return new Verification(false, count, count + 1, "the newest entries were removed: the head names entry " + head.get("seq"));
      }
      return new Verification(true, count, 0, count + " entries, chain intact");
    });
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

  private static Entry read(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Entry(rs.getLong("seq"), rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("actor_kind"), rs.getString("actor_id"),
        rs.getString("action"), rs.getString("purpose"), rs.getString("subject_id"), split(rs.getString("categories")), rs.getString("effect"),
        split(rs.getString("rules")), split(rs.getString("clauses")), rs.getString("request_id"), rs.getString("prev_hash"), rs.getString("hash"));
  }

  private static List<String> split(String s) {
    return s == null || s.isEmpty() ? List.of() : List.of(s.split(","));
  }
}
