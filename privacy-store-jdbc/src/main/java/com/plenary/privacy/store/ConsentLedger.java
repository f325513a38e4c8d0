package com.plenary.privacy.store;

import com.plenary.privacy.domain.ConsentRecords.Entry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.Jdbi;

/**
 * The consent ledger's chain (C19, C24, C29). Each entry of {@code consent_record} has a link in
 * {@code consent_link}: its sequence number, its id, the person's pseudonymous id and the SHA-256 of
 * the entry ({@link #digest}); the link's hash covers those and the previous link's hash. The links
 * hold no personal value, so the erasure of a person deletes their entries and keeps their links: the
 * chain still verifies, and an entry is missing rightly only when its person's erasure is recorded.
 *
 * <p>Guarantee: {@link #verify} detects an entry edited (its digest no longer matches its link), deleted
 * (a link without its entry, for a person not erased), inserted (an entry without a link), reordered
 * (an entry at a sequence number whose link names another) and a link edited, deleted or reordered
 * (the hashes no longer follow), as long as the head's hash is not rewritten together with every link
 * after the change — for that, an auditor keeps the head's hash ({@code plenary consent verify} prints
 * it) and compares it later.
 *
 * <p>Appends take the head row's lock for the rest of their transaction, so they are chained one
 * after another, on H2 and PostgreSQL alike.
 */
public final class ConsentLedger {
  static final String ZERO = "0".repeat(64);

  /** The chain checked end to end. {@code firstBrokenSeq} is 0 when intact. */
  public record Verification(boolean intact, long entries, long erased, long firstBrokenSeq, String head, String detail) {}

  private final Jdbi jdbi;

  ConsentLedger(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** The head of the chain: the newest link's sequence number and hash. */
  record Head(long seq, String hash) {}

  /** Takes the head row's lock, held to the end of {@code h}'s transaction; answers the head as it read it under the lock. */
  static Head lock(Handle h) {
    return head(h);
  }

  /** The head's sequence number and hash, read under its row lock, which is held to the end of {@code h}'s transaction. */
  private static Head head(Handle h) {
    return h.createQuery("SELECT seq, hash FROM consent_head WHERE id = 1 FOR UPDATE").map((rs, ctx) -> new Head(rs.getLong(1), rs.getString(2))).one();
  }

  /** {@link #append(Handle, String, Entry, Head)} with no head known: read under its lock. */
  static Entry append(Handle h, String subjectId, Entry e) {
    return append(h, subjectId, e, null);
  }

  /**
   * Appends {@code e} for {@code subjectId} within {@code h}'s transaction, under the head's lock, and sets the derived state of its
   * purpose and recipient and the person's consents in force (subject.granted_consents, which the engine reads); answers the entry
   * with its place (its hash is the new head's).
   *
   * <p>On PostgreSQL two statements: the head read under its lock, then the entry, its link, the derived state, the person's row and
   * the new head written together. On H2, which has no data-modifying {@code WITH}, one plain JDBC statement each (no Jdbi binding on
   * this path): the head moved first, only if it is still {@code known} (the head this transaction read when it took the lock, or
   * wrote with its last append), which saves reading it again; when it is not (none known, or another part of this transaction
   * moved it since, such as a policy acceptance), the head is read under its lock and moved from there. Either way the entry is
   * chained to the head as it stands under the lock.
   */
  static Entry append(Handle h, String subjectId, Entry e, Head known) {
    boolean postgres = SqlLists.postgres(h);
    if (!postgres) {
      return appendH2(h, subjectId, e, known);
    }
    Head head = head(h);
    String prev = head.hash();
    if (prev == null) {
      throw new StoreException("the consent ledger's migrated entries have no links yet; open the store to make them");
    }
    long seq = head.seq() + 1;
    Entry entry = placed(e, seq);
    String digest = digest(subjectId, entry);
    String hash = linkHash(seq, entry.id(), subjectId, digest, prev);
    String key = entry.recipient() == null ? "" : entry.recipient();
    String record = "INSERT INTO consent_record (id, seq, subject_id, purpose, recipient, granted, policy_version, channel, actor, at, request_id, shown_sha256) "
        + "VALUES (:id, :seq, :s, :p, :r, :g, :v, :ch, :by, :at, :rid, :shown)";
    String link = "INSERT INTO consent_link (seq, record_id, subject_id, digest, prev_hash, hash) VALUES (:seq, :id, :s, :d, :prev, :hash)";
    String newHead = "UPDATE consent_head SET seq = :seq, hash = :hash WHERE id = 1";
    String state = "INSERT INTO consent_state (subject_id, purpose, recipient_key, recipient, granted, policy_version, record_id, seq) "
        + "VALUES (:s, :p, :k, :r, :g, :v, :id, :seq) ON CONFLICT (subject_id, purpose, recipient_key) DO UPDATE SET recipient = EXCLUDED.recipient, "
        + "granted = EXCLUDED.granted, policy_version = EXCLUDED.policy_version, record_id = EXCLUDED.record_id, seq = EXCLUDED.seq";
    h.createUpdate("WITH r AS (" + record + "), l AS (" + link + "), st AS (" + state + "), f AS (" + facts(true) + ") " + newHead)
        .configure(SqlStatements.class, c -> c.setUnusedBindingAllowed(true)).bindMap(Map.ofEntries(Map.entry("id", entry.id()), Map.entry("seq", seq), Map.entry("s", subjectId),
        Map.entry("p", entry.purpose()), Map.entry("g", entry.granted()), Map.entry("v", entry.policyVersion()), Map.entry("ch", entry.channel()),
        Map.entry("by", entry.by()), Map.entry("at", entry.at().atOffset(ZoneOffset.UTC)), Map.entry("d", digest), Map.entry("prev", prev),
        Map.entry("hash", hash), Map.entry("k", key))).bind("r", entry.recipient()).bind("rid", entry.requestId()).bind("shown", entry.shownSha256())
        .execute();
    return chained(entry, hash);
  }

  private static final String H2_HEAD = "UPDATE consent_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ?";
  private static final String H2_RECORD = "INSERT INTO consent_record (id, seq, subject_id, purpose, recipient, granted, policy_version, channel, actor, at, "
      + "request_id, shown_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String H2_LINK = "INSERT INTO consent_link (seq, record_id, subject_id, digest, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)";
  private static final String H2_STATE = "MERGE INTO consent_state (subject_id, purpose, recipient_key, recipient, granted, policy_version, record_id, seq) "
      + "KEY (subject_id, purpose, recipient_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String H2_FACTS = facts(false).replace(":s", "?");

  private static Entry appendH2(Handle h, String subjectId, Entry e, Head known) {
    Connection c = h.getConnection();
    try {
      Head head = known != null && known.hash() != null ? known : head(h);
      String prev;
      long seq;
      String hash;
      Entry entry;
      String digest;
      while (true) {
        prev = head.hash();
        if (prev == null) {
          throw new StoreException("the consent ledger's migrated entries have no links yet; open the store to make them");
        }
        seq = head.seq() + 1;
        entry = placed(e, seq);
        digest = digest(subjectId, entry);
        hash = linkHash(seq, entry.id(), subjectId, digest, prev);
        int moved;
        try (PreparedStatement q = c.prepareStatement(H2_HEAD)) {
          q.setLong(1, seq);
          q.setString(2, hash);
          q.setLong(3, head.seq());
          q.setString(4, prev);
          moved = q.executeUpdate();
        }
        if (moved == 1) {
          break;
        }
        if (head != known) {
          throw new StoreException("the consent ledger's head moved under its lock");
        }
        head = head(h); // the head known was not the head any more: read it under the lock, and chain to it
      }
      try (PreparedStatement q = c.prepareStatement(H2_RECORD)) {
        q.setString(1, entry.id());
        q.setLong(2, seq);
        q.setString(3, subjectId);
        q.setString(4, entry.purpose());
        q.setString(5, entry.recipient());
        q.setBoolean(6, entry.granted());
        q.setInt(7, entry.policyVersion());
        q.setString(8, entry.channel());
        q.setString(9, entry.by());
        q.setObject(10, entry.at().atOffset(ZoneOffset.UTC));
        q.setString(11, entry.requestId());
        q.setString(12, entry.shownSha256());
        q.executeUpdate();
      }
      try (PreparedStatement q = c.prepareStatement(H2_LINK)) {
        q.setLong(1, seq);
        q.setString(2, entry.id());
        q.setString(3, subjectId);
        q.setString(4, digest);
        q.setString(5, prev);
        q.setString(6, hash);
        q.executeUpdate();
      }
      try (PreparedStatement q = c.prepareStatement(H2_STATE)) {
        q.setString(1, subjectId);
        q.setString(2, entry.purpose());
        q.setString(3, entry.recipient() == null ? "" : entry.recipient());
        q.setString(4, entry.recipient());
        q.setBoolean(5, entry.granted());
        q.setInt(6, entry.policyVersion());
        q.setString(7, entry.id());
        q.setLong(8, seq);
        q.executeUpdate();
      }
      try (PreparedStatement q = c.prepareStatement(H2_FACTS)) {
        q.setString(1, subjectId);
        q.executeUpdate();
      }
      return chained(entry, hash);
    } catch (SQLException x) {
      throw new StoreException("cannot append to the consent ledger: " + x.getMessage(), x);
    }
  }

  /** {@code e} at its place in the chain, its time as the database keeps it. */
  private static Entry placed(Entry e, long seq) {
    return new Entry(e.id(), seq, e.purpose(), e.recipient(), e.granted(), e.policyVersion(), e.channel(), e.by(),
        e.at().truncatedTo(ChronoUnit.MICROS), e.requestId(), e.shownSha256(), null);
  }

  private static Entry chained(Entry entry, String hash) {
    return new Entry(entry.id(), entry.seq(), entry.purpose(), entry.recipient(), entry.granted(), entry.policyVersion(), entry.channel(), entry.by(),
        entry.at(), entry.requestId(), entry.shownSha256(), hash);
  }

  /**
   * The person's consents in force as the engine reads them (subject.granted_consents, V60), each purpose CHR(31) recipient_key
   * CHR(31) policy_version, separated by CHR(30), in the order of purpose and recipient_key; NULL when none is in force. On H2 it
   * runs after the state's merge and aggregates the person's state as it is then; its sub-select names the row being updated, not a
   * parameter, as H2 may answer a sub-select that depends on parameters alone from the result it kept. On PostgreSQL it runs
   * beside the upsert in one statement, whose sub-statements all see the rows as they were before it: there the appended entry's
   * purpose and recipient are taken from the entry itself, the person's other consents from their state.
   */
  static String facts(boolean postgres) {
    String value = "purpose || CHR(31) || recipient_key || CHR(31) || CAST(policy_version AS VARCHAR)";
    if (!postgres) {
      return "UPDATE subject s SET granted_consents = (SELECT LISTAGG(" + value + ", CHR(30)) WITHIN GROUP (ORDER BY purpose, recipient_key) "
          + "FROM consent_state c WHERE c.subject_id = s.id AND c.granted) WHERE s.id = :s";
    }
    return "UPDATE subject SET granted_consents = (SELECT string_agg(x.c, CHR(30) ORDER BY x.p, x.k) FROM ("
        + "SELECT purpose AS p, recipient_key AS k, " + value + " AS c FROM consent_state WHERE subject_id = :s AND granted AND (purpose <> :p OR recipient_key <> :k) "
        + "UNION ALL SELECT CAST(:p AS VARCHAR(100)), CAST(:k AS VARCHAR(64)), "
        + "CAST(:p AS VARCHAR(100)) || CHR(31) || CAST(:k AS VARCHAR(64)) || CHR(31) || CAST(CAST(:v AS INTEGER) AS VARCHAR) "
        + "FROM (VALUES (1)) AS one (n) WHERE CAST(:g AS BOOLEAN)) x) WHERE id = :s";
  }

  /**
   * Records {@code subjectId}'s acceptance of policy {@code version} as a link of the chain, within
   * {@code h}'s transaction and under the head's lock, unless one is recorded already; answers whether
   * it was recorded now. The acceptance's evidence — when, through which channel, the hash of the text
   * the person was shown, the request — is covered by the link's digest.
   */
  static boolean accept(Handle h, String subjectId, int version, Instant at, String channel, String shownSha256, String requestId) {
    Head head = head(h);
    if (h.createQuery("SELECT 1 FROM policy_acceptance WHERE subject_id = :s AND version = :v").bind("s", subjectId).bind("v", version)
        .mapTo(Integer.class).findOne().isPresent()) {
      return false;
    }
    Instant when = at.truncatedTo(ChronoUnit.MICROS);
    long seq = head.seq() + 1;
    h.createUpdate("INSERT INTO policy_acceptance (subject_id, version, accepted_at, channel, shown_sha256, request_id, seq) "
            + "VALUES (:s, :v, :at, :ch, :sha, :rid, :seq)")
        .bind("s", subjectId).bind("v", version).bind("at", when.atOffset(ZoneOffset.UTC)).bind("ch", channel).bind("sha", shownSha256)
        .bind("rid", requestId).bind("seq", seq).execute();
    String hash = link(h, seq, acceptanceId(version), subjectId, acceptanceDigest(subjectId, version, when, channel, shownSha256, requestId), head.hash());
    h.createUpdate("UPDATE consent_head SET seq = :seq, hash = :hash WHERE id = 1").bind("seq", seq).bind("hash", hash).execute();
    return true;
  }

  /** The id an acceptance goes by in its link: unique for its person, whose id the link holds beside it. */
  private static String acceptanceId(int version) {
    return "policy-version-" + version;
  }

  /** The SHA-256 of an acceptance's every value, its person's id among them. */
  static String acceptanceDigest(String subjectId, int version, Instant at, String channel, String shownSha256, String requestId) {
    return sha256(String.join("\u001f", "acceptance", subjectId, String.valueOf(version), at.truncatedTo(ChronoUnit.MICROS).toString(), channel,
        shownSha256 == null ? "\u0000" : shownSha256, requestId == null ? "\u0000" : requestId));
  }

  private static String linkHash(long seq, String recordId, String subjectId, String digest, String prev) {
    return sha256(String.join("\u001f", String.valueOf(seq), recordId, subjectId, digest, prev));
  }

  private static String link(Handle h, long seq, String recordId, String subjectId, String digest, String prev) {
    String hash = linkHash(seq, recordId, subjectId, digest, prev);
    h.createUpdate("INSERT INTO consent_link (seq, record_id, subject_id, digest, prev_hash, hash) VALUES (:seq, :id, :s, :d, :prev, :hash)")
        .bind("seq", seq).bind("id", recordId).bind("s", subjectId).bind("d", digest).bind("prev", prev).bind("hash", hash).execute();
    return hash;
  }

  /** The person's entries, in the order of the chain, each with its link's hash. */
  static List<Entry> of(Handle h, String subjectId) {
    return h.createQuery("SELECT r.*, l.hash FROM consent_record r LEFT JOIN consent_link l ON l.seq = r.seq WHERE r.subject_id = :s ORDER BY r.seq")
        .bind("s", subjectId).map((rs, ctx) -> read(rs, rs.getString("hash"))).list();
  }

  /**
   * Gives the entries migrated from the consents of earlier versions their links, once, when the
   * store opens; the head's hash is null until then.
   */
  void chainMigrated() {
    jdbi.useTransaction(h -> {
      lock(h);
      var head = h.createQuery("SELECT seq, hash FROM consent_head WHERE id = 1").mapToMap().one();
      if (head.get("hash") != null) {
        return;
      }
      String prev = ZERO;
      long seq = 0;
      for (Object[] r : h.createQuery("SELECT * FROM consent_record ORDER BY seq").map((rs, ctx) -> new Object[] {rs.getString("subject_id"), read(rs, null)}).list()) {
        Entry e = (Entry) r[1];
        seq = e.seq();
        prev = link(h, seq, e.id(), (String) r[0], digest((String) r[0], e), prev);
      }
      h.createUpdate("UPDATE consent_head SET seq = :seq, hash = :hash WHERE id = 1").bind("seq", seq).bind("hash", prev).execute();
    });
  }

  /**
   * Gives the policy acceptances recorded before they were chained their links, once (the head
   * records that it happened): an acceptance without a link after that was written behind the
   * ledger's back, and {@link #verify} says so.
   */
  void chainAcceptances() {
    jdbi.useTransaction(h -> {
      Head head = head(h);
      if (h.createQuery("SELECT acceptances_linked FROM consent_head WHERE id = 1").mapTo(Boolean.class).one()) {
        return;
      }
      long seq = head.seq();
      String prev = head.hash();
      record Legacy(String subject, int version, Instant at, String channel, String shown, String requestId) {}
      List<Legacy> legacy = h.createQuery("SELECT * FROM policy_acceptance WHERE seq IS NULL ORDER BY accepted_at, subject_id, version")
          .map((rs, ctx) -> new Legacy(rs.getString("subject_id"), rs.getInt("version"), rs.getObject("accepted_at", OffsetDateTime.class).toInstant(),
              rs.getString("channel"), rs.getString("shown_sha256"), rs.getString("request_id"))).list();
      for (Legacy a : legacy) {
        seq++;
        prev = link(h, seq, acceptanceId(a.version()), a.subject(), acceptanceDigest(a.subject(), a.version(), a.at(), a.channel(), a.shown(), a.requestId()), prev);
        h.createUpdate("UPDATE policy_acceptance SET seq = :seq WHERE subject_id = :s AND version = :v").bind("seq", seq).bind("s", a.subject())
            .bind("v", a.version()).execute();
      }
      h.createUpdate("UPDATE consent_head SET seq = :seq, hash = :hash, acceptances_linked = TRUE WHERE id = 1").bind("seq", seq).bind("hash", prev)
          .execute();
    });
  }

  /**
   * Walks the chain up to the head it reads first and checks every link, every entry against its link,
   * and every entry missing against the erasures recorded. Read-only.
   */
  public Verification verify() {
    return jdbi.inTransaction(h -> {
      var head = h.createQuery("SELECT seq, hash FROM consent_head WHERE id = 1").mapToMap().one();
      long headSeq = ((Number) head.get("seq")).longValue();
      String headHash = (String) head.get("hash");
      // the links, the entries and the acceptances up to the head, each read in the order of the chain and
      // walked side by side, so that memory stays flat whatever the ledger's length (rows are fetched in pages)
      String prev = ZERO;
      long expected = 1;
      long erasedEntries = 0;
      try (var links = h.createQuery("SELECT * FROM consent_link WHERE seq <= :head ORDER BY seq").bind("head", headSeq).setFetchSize(FETCH)
              .mapToMap().iterator();
          Cursor entries = new Cursor(h.createQuery("SELECT * FROM consent_record WHERE seq <= :head ORDER BY seq").bind("head", headSeq)
              .setFetchSize(FETCH).map((rs, ctx) -> {
                Entry e = read(rs, null);
                return new Linked(e.seq(), rs.getString("subject_id"), e.id(), digest(rs.getString("subject_id"), e));
              }).iterator());
          Cursor acceptances = new Cursor(h.createQuery("SELECT * FROM policy_acceptance WHERE seq <= :head ORDER BY seq").bind("head", headSeq)
              .setFetchSize(FETCH).map((rs, ctx) -> {
                String subject = rs.getString("subject_id");
                int version = rs.getInt("version");
                return new Linked(rs.getLong("seq"), subject, acceptanceId(version), acceptanceDigest(subject, version,
                    rs.getObject("accepted_at", OffsetDateTime.class).toInstant(), rs.getString("channel"), rs.getString("shown_sha256"),
                    rs.getString("request_id")));
              }).iterator())) {
        while (links.hasNext()) {
          Map<String, Object> l = links.next();
          long seq = ((Number) l.get("seq")).longValue();
          String recordId = (String) l.get("record_id");
          String subject = (String) l.get("subject_id");
          String digest = (String) l.get("digest");
          if (seq != expected) {
            return broken(expected - 1, erasedEntries, expected, headHash, "the link of entry " + expected + " is missing");
          }
          if (!prev.equals(l.get("prev_hash")) || !sha256(String.join("\u001f", String.valueOf(seq), recordId, subject, digest, prev)).equals(l.get("hash"))) {
            return broken(seq - 1, erasedEntries, seq, headHash, "the link of entry " + seq + " was altered, or does not follow the one before it");
          }
          for (Cursor c : List.of(entries, acceptances)) {
            if (c.peek() != null && c.peek().seq() < seq) {
              // a row at a place in the chain whose link names another row
              return broken(seq - 1, erasedEntries, c.peek().seq(), headHash, "entry " + c.peek().seq() + " has no link: it was written behind the ledger's back");
            }
          }
          Linked r = entries.takeAt(seq);
          Linked a = acceptances.takeAt(seq);
          if (r != null && a != null) {
            return broken(seq - 1, erasedEntries, seq, headHash, "two entries claim the link of entry " + seq + ": one was written behind the ledger's back");
          }
          Linked found = r != null ? r : a;
          if (found == null) {
            if (!erased(h, subject)) {
              return broken(seq - 1, erasedEntries, seq, headHash, "entry " + seq + " was deleted, and its person was not erased");
            }
            erasedEntries++;
          } else if (!found.recordId().equals(recordId) || !found.subject().equals(subject) || !found.digest().equals(digest)) {
            return broken(seq - 1, erasedEntries, seq, headHash, "entry " + seq + " was altered or moved after it was written");
          }
          prev = (String) l.get("hash");
          expected++;
        }
        for (Cursor c : List.of(entries, acceptances)) {
          if (c.peek() != null) {
            return broken(expected - 1, erasedEntries, c.peek().seq(), headHash, "entry " + c.peek().seq() + " has no link: it was written behind the ledger's back");
          }
        }
      }
      long count = expected - 1;
      if (count != headSeq || !prev.equals(headHash)) {
        return broken(count, erasedEntries, count + 1, headHash, "the newest links were removed or the head was altered: the head names entry " + headSeq);
      }
      // one statement, so an append committing meanwhile (its entry and link together) is seen whole or not at all
      Long unlinked = h.createQuery("SELECT MIN(r.seq) FROM consent_record r WHERE NOT EXISTS (SELECT 1 FROM consent_link l WHERE l.seq = r.seq)")
          .mapTo(Long.class).one();
      if (unlinked != null) {
        return broken(count, erasedEntries, unlinked, headHash, "entry " + unlinked + " has no link: it was written behind the ledger's back");
      }
      Long unlinkedAcceptance = h.createQuery("SELECT MIN(COALESCE(a.seq, 0)) FROM policy_acceptance a WHERE a.seq IS NULL "
          + "OR NOT EXISTS (SELECT 1 FROM consent_link l WHERE l.seq = a.seq)").mapTo(Long.class).one();
      if (unlinkedAcceptance != null) {
        return broken(count, erasedEntries, unlinkedAcceptance, headHash, "a policy acceptance has no link: it was written behind the ledger's back");
      }
      Long newest = h.createQuery("SELECT MAX(seq) FROM consent_link").mapTo(Long.class).one();
      long headNow = ((Number) h.createQuery("SELECT seq FROM consent_head WHERE id = 1").mapToMap().one().get("seq")).longValue();
      if (newest != null && newest > headNow) {
        return broken(count, erasedEntries, headNow + 1, headHash, "the head was moved back: it names entry " + headNow + " but entry " + newest + " is linked");
      }
      return new Verification(true, count, erasedEntries, 0, headHash, count + " entries (" + erasedEntries + " of erased people), chain intact; head " + headHash);
    });
  }

  /** How many rows a verification reads from the database at a time. */
  private static final int FETCH = 10_000;

  /** A row of the ledger (an entry or an acceptance) as its link should name it. */
  private record Linked(long seq, String subject, String recordId, String digest) {}

  /** Rows in the order of the chain, one looked ahead. Closes the query with it. */
  private static final class Cursor implements AutoCloseable {
    private final ResultIterator<Linked> rows;
    private Linked next;

    Cursor(ResultIterator<Linked> rows) {
      this.rows = rows;
      this.next = rows.hasNext() ? rows.next() : null;
    }

    Linked peek() {
      return next;
    }

    /** The row at {@code seq}, taken, or null when the next row is not at {@code seq}. */
    Linked takeAt(long seq) {
      if (next == null || next.seq() != seq) {
        return null;
      }
      Linked out = next;
      next = rows.hasNext() ? rows.next() : null;
      return out;
    }

    @Override
    public void close() {
      rows.close();
    }
  }

  /** Whether {@code subject}'s erasure is recorded: asked only of a row missing behind its link, which is rare. */
  private static boolean erased(Handle h, String subject) {
    return h.createQuery("SELECT 1 FROM erasure_record WHERE subject_id = :s").bind("s", subject).mapTo(Integer.class).findFirst().isPresent();
  }

  private static Verification broken(long entries, long erased, long seq, String head, String detail) {
    return new Verification(false, entries, erased, seq, head, detail);
  }

  private static Entry read(ResultSet rs, String hash) throws SQLException {
    return new Entry(rs.getString("id"), rs.getLong("seq"), rs.getString("purpose"), rs.getString("recipient"), rs.getBoolean("granted"),
        rs.getInt("policy_version"), rs.getString("channel"), rs.getString("actor"), rs.getObject("at", OffsetDateTime.class).toInstant(),
        rs.getString("request_id"), rs.getString("shown_sha256"), hash);
  }

  /** The SHA-256 of an entry's every value, its person's id among them. */
  static String digest(String subjectId, Entry e) {
    return sha256(String.join("\u001f", e.id(), subjectId, e.purpose(), e.recipient() == null ? "\u0000" : e.recipient(), String.valueOf(e.granted()),
        String.valueOf(e.policyVersion()), e.channel(), e.by(), e.at().truncatedTo(ChronoUnit.MICROS).toString(),
        e.requestId() == null ? "\u0000" : e.requestId(), e.shownSha256() == null ? "\u0000" : e.shownSha256()));
  }

  private static String sha256(String canonical) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
