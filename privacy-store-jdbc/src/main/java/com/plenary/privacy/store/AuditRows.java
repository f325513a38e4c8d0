package com.plenary.privacy.store;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The audit log's rows as few statements move them: entries written by binary COPY on PostgreSQL and by
 * multi-row inserts elsewhere; on PostgreSQL a seal's reads in one round trip ({@link #lockAndRead}) and its
 * writes besides the COPY in another ({@link #finishSeal}: the sealer's batch numbered and chained by one
 * {@code UPDATE … FROM unnest}, the tiles, the head, the checkpoint); and a proof's nodes and entries read by lists of keys (one statement text whatever the
 * proof, so the database plans it once). Plain JDBC on the handle's connection: binding by name through
 * Jdbi made more garbage than the rows. Not thread-safe; each call runs in its caller's transaction.
 */
final class AuditRows {
  /** An entry's columns as stored: lists comma-joined, {@code seq} 0 and the hashes null until sealed. */
  record Row(String id, long seq, String prev, String hash, Instant at, String actorKind, String actorId, String action, String purpose,
      String subject, String categories, String effect, String rules, String clauses, String requestId) {
    Row sealed(long seq, String prev, String hash) {
      return new Row(id, seq, prev, hash, at, actorKind, actorId, action, purpose, subject, categories, effect, rules, clauses, requestId);
    }

    /** The entry's leaf bytes: what {@link AuditLog#leaf} makes of the same entry. */
    byte[] leaf() {
      return AuditRows.leaf(seq, at, actorKind, actorId, action, purpose, subject, categories, effect, rules, clauses, requestId);
    }
  }

  /** The content columns, in the order {@link #read} expects after {@code seq, prev_hash, hash}. */
  static final String CONTENT = "at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id";
  static final String SELECT = "SELECT entry_id, seq, prev_hash, hash, " + CONTENT + " FROM audit_log_entry";

  private static final int ROWS_A_STATEMENT = 100;
  /** Fewer rows go in one insert: a COPY costs a round trip more than an insert (the enforcer appends one entry a decision). */
  private static final int COPY_FROM = 16;
  private static final HexFormat HEX = HexFormat.of();

  private AuditRows() {}

  static boolean postgres(Connection c) throws SQLException {
    return c.isWrapperFor(PGConnection.class);
  }

  /** An entry's leaf bytes from its stored columns (null texts as empty), the canonical form the chain and the tree hash. */
  static byte[] leaf(long seq, Instant at, String actorKind, String actorId, String action, String purpose, String subject, String categories,
      String effect, String rules, String clauses, String requestId) {
    return String.join("\u001f", String.valueOf(seq), at.toString(), actorKind, actorId, action, purpose, orEmpty(subject), orEmpty(categories), effect,
        orEmpty(rules), orEmpty(clauses), orEmpty(requestId)).getBytes(StandardCharsets.UTF_8);
  }

  static Row read(ResultSet rs) throws SQLException {
    return new Row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getString(6),
        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14),
        rs.getString(15));
  }

  /**
   * Writes {@code rows}: sealed (with their numbers and hashes) or not. On PostgreSQL one binary COPY
   * stream (from 16 rows on); otherwise inserts of a hundred rows a statement. A failure leaves the transaction to roll back.
   */
  static void insert(Connection c, List<Row> rows, boolean sealed) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    String columns = "entry_id, " + (sealed ? "seq, prev_hash, hash, " : "") + CONTENT;
    if (rows.size() >= COPY_FROM && postgres(c)) {
      copy(c, rows, sealed, columns);
      return;
    }
    int width = sealed ? 15 : 12;
    PreparedStatement full = null;
    try {
      for (int from = 0; from < rows.size(); from += ROWS_A_STATEMENT) {
        int n = Math.min(ROWS_A_STATEMENT, rows.size() - from);
        PreparedStatement ps = n == ROWS_A_STATEMENT && full != null ? full : c.prepareStatement(multiRow(columns, width, n));
        int p = 1;
        for (Row r : rows.subList(from, from + n)) {
          ps.setString(p++, r.id());
          if (sealed) {
            ps.setLong(p++, r.seq());
            ps.setString(p++, r.prev());
            ps.setString(p++, r.hash());
          }
          ps.setObject(p++, r.at().atOffset(ZoneOffset.UTC));
          ps.setString(p++, r.actorKind());
          ps.setString(p++, r.actorId());
          ps.setString(p++, r.action());
          ps.setString(p++, r.purpose());
          ps.setString(p++, r.subject());
          ps.setString(p++, r.categories());
          ps.setString(p++, r.effect());
          ps.setString(p++, r.rules());
          ps.setString(p++, r.clauses());
          ps.setString(p++, r.requestId());
        }
        ps.executeUpdate();
        if (n == ROWS_A_STATEMENT) {
          full = ps;
        } else {
          ps.close();
        }
      }
    } finally {
      if (full != null) {
        full.close();
      }
    }
  }

  private static String multiRow(String columns, int width, int rows) {
    String one = "(" + "?, ".repeat(width - 1) + "?)";
    StringBuilder sql = new StringBuilder("INSERT INTO audit_log_entry (").append(columns).append(") VALUES ");
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append(one);
    }
    return sql.toString();
  }

  private static final long PG_EPOCH_MICROS = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L;

  /**
   * PostgreSQL's binary COPY: texts as UTF-8, times as microseconds since 2000-01-01 UTC, numbers as 8
   * bytes. The rows are encoded into one buffer that goes to the server a 64 KiB piece at a time (a
   * stream's per-byte writes cost more than the encoding).
   */
  private static void copy(Connection c, List<Row> rows, boolean sealed, String columns) throws SQLException {
    CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY audit_log_entry (" + columns + ") FROM STDIN WITH (FORMAT binary)");
    try {
      CopyBuffer out = new CopyBuffer(copy);
      out.bytes(COPY_SIGNATURE);
      out.int32(0); // flags
      out.int32(0); // header extension
      for (Row r : rows) {
        out.int16(sealed ? 15 : 12);
        out.text(r.id());
        if (sealed) {
          out.int32(8);
          out.int64(r.seq());
          out.text(r.prev());
          out.text(r.hash());
        }
        out.int32(8);
        out.int64(r.at().getEpochSecond() * 1_000_000L + r.at().getNano() / 1_000 - PG_EPOCH_MICROS);
        out.text(r.actorKind());
        out.text(r.actorId());
        out.text(r.action());
        out.text(r.purpose());
        out.text(r.subject());
        out.text(r.categories());
        out.text(r.effect());
        out.text(r.rules());
        out.text(r.clauses());
        out.text(r.requestId());
        out.flushIfFull();
      }
      out.int16(-1);
      out.flush();
      copy.endCopy();
    } catch (SQLException | RuntimeException e) {
      try {
        if (copy.isActive()) {
          copy.cancelCopy();
        }
      } catch (SQLException ignored) {
        // the transaction rolls back either way
      }
      throw new SQLException("cannot write audit entries: " + e.getMessage(), e);
    }
  }

  private static final byte[] COPY_SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};

  /** A binary COPY's bytes, encoded in one array and handed to the server in pieces. Not thread-safe. */
  static final class CopyBuffer {
    private static final int PIECE = 1 << 16;
    private final CopyIn copy;
    private byte[] buf = new byte[PIECE + 4_096];
    private int length;

    CopyBuffer(CopyIn copy) {
      this.copy = copy;
    }

    void int16(int v) {
      room(2);
      buf[length++] = (byte) (v >>> 8);
      buf[length++] = (byte) v;
    }

    void int32(int v) {
      room(4);
      buf[length++] = (byte) (v >>> 24);
      buf[length++] = (byte) (v >>> 16);
      buf[length++] = (byte) (v >>> 8);
      buf[length++] = (byte) v;
    }

    void int64(long v) {
      int32((int) (v >>> 32));
      int32((int) v);
    }

    void bytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, buf, length, b.length);
      length += b.length;
    }

    /** A text field: its length and UTF-8 bytes (ASCII written straight), or -1 for null. */
    void text(String v) {
      if (v == null) {
        int32(-1);
        return;
      }
      int n = v.length();
      room(4 + n);
      int at = length;
      length += 4;
      for (int i = 0; i < n; i++) {
        char ch = v.charAt(i);
        if (ch >= 0x80) { // not ASCII: the whole text encoded by the JDK
          length = at;
          byte[] b = v.getBytes(StandardCharsets.UTF_8);
          int32(b.length);
          bytes(b);
          return;
        }
        buf[length++] = (byte) ch;
      }
      buf[at] = (byte) (n >>> 24);
      buf[at + 1] = (byte) (n >>> 16);
      buf[at + 2] = (byte) (n >>> 8);
      buf[at + 3] = (byte) n;
    }

    /** Sends what is encoded once a piece is full. */
    void flushIfFull() throws SQLException {
      if (length >= PIECE) {
        flush();
      }
    }

    void flush() throws SQLException {
      if (length > 0) {
        copy.writeToCopy(buf, 0, length);
        length = 0;
      }
    }

    private void room(int more) {
      if (length + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }
  }

  /** One text field of a row in PostgreSQL's binary COPY format: its length and UTF-8 bytes, or -1 for null (the collector's rows too). */
  static void text(DataOutputStream out, String v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /**
   * Gives the written entries {@code chained} (by id) their numbers and hashes, each only while it is
   * still unsealed, in one batch; on PostgreSQL {@link #finishSeal} does it with the rest of the seal.
   */
  static void seal(Connection c, List<Row> chained) throws SQLException {
    if (chained.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE audit_log_entry SET seq = ?, prev_hash = ?, hash = ? WHERE entry_id = ? AND seq IS NULL")) {
      for (Row r : chained) {
        ps.setLong(1, r.seq());
        ps.setString(2, r.prev());
        ps.setString(3, r.hash());
        ps.setString(4, r.id());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * What a seal reads under the chain's lock: the head ({@code seq}, {@code hash}, {@code treeSize}), the entries waiting to
   * be sealed, oldest first, and on PostgreSQL the stored nodes asked for (by {@link KeyOf}) and the entries asked for by number.
   */
  record SealRead(long seq, String hash, long treeSize, List<Row> pending, Map<Long, byte[]> nodes, List<Row> entries) {}

  private static final String NODES_BY_KEYS = "SELECT n.level, n.idx, n.hash FROM unnest(?::smallint[], ?::bigint[]) AS k(l, i) "
      + "JOIN audit_tree_node n ON n.level = k.l AND n.idx = k.i";

  /**
   * On PostgreSQL, in one round trip (one statement text, so planned once): takes the chain's lock and reads the head
   * ({@code UPDATE … RETURNING}), then — under that lock, each statement seeing what is committed once it holds it — the
   * entries waiting (at most {@code limit}), the stored nodes {@code levels[i], indexes[i]} and the sealed entries {@code seqs}.
   */
  static SealRead lockAndRead(Connection c, int[] levels, long[] indexes, long[] seqs, KeyOf key, int limit) throws SQLException {
    Short[] ls = new Short[levels.length];
    Long[] is = new Long[indexes.length];
    Long[] ss = new Long[seqs.length];
    for (int i = 0; i < ls.length; i++) {
      ls[i] = (short) levels[i];
      is[i] = indexes[i];
    }
    for (int i = 0; i < ss.length; i++) {
      ss[i] = seqs[i];
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, tree_size; "
        + SELECT + " WHERE seq IS NULL ORDER BY at, entry_id LIMIT " + limit + "; " + NODES_BY_KEYS + "; " + SELECT + " WHERE seq = ANY(?::bigint[])")) {
      ps.setArray(1, c.createArrayOf("smallint", ls));
      ps.setArray(2, c.createArrayOf("bigint", is));
      ps.setArray(3, c.createArrayOf("bigint", ss));
      ps.execute();
      long seq;
      String hash;
      long treeSize;
      try (ResultSet rs = ps.getResultSet()) {
        if (!rs.next()) {
          throw new SQLException("the audit log has no head");
        }
        seq = rs.getLong(1);
        hash = rs.getString(2);
        treeSize = rs.getLong(3);
      }
      List<Row> pending = new ArrayList<>();
      ps.getMoreResults();
      try (ResultSet rs = ps.getResultSet()) {
        while (rs.next()) {
          pending.add(read(rs));
        }
      }
      Map<Long, byte[]> nodes = new HashMap<>();
      ps.getMoreResults();
      try (ResultSet rs = ps.getResultSet()) {
        while (rs.next()) {
          nodes.put(key.of(rs.getInt(1), rs.getLong(2)), HEX.parseHex(rs.getString(3)));
        }
      }
      List<Row> entries = new ArrayList<>();
      ps.getMoreResults();
      try (ResultSet rs = ps.getResultSet()) {
        while (rs.next()) {
          entries.add(read(rs));
        }
      }
      return new SealRead(seq, hash, treeSize, pending, nodes, entries);
    }
  }

  /**
   * On PostgreSQL, what a seal writes after its new entries, in one round trip: the waiting entries {@code chained} given
   * their numbers and hashes (each only while still unsealed), the tree's new {@code nodes} ({@code level, index, hash}),
   * the head moved to {@code seq, hash, treeSize}, and the checkpoint {@code note} signed at that size, when there is one
   * (a size signed already keeps its note; its time is set once).
   */
  static void finishSeal(Connection c, List<Row> chained, List<Object[]> nodes, long seq, String hash, long treeSize, String note, OffsetDateTime signedAt)
      throws SQLException {
    StringBuilder sql = new StringBuilder();
    if (!chained.isEmpty()) {
      sql.append("UPDATE audit_log_entry e SET seq = v.seq, prev_hash = v.prev, hash = v.hash FROM unnest(?::varchar[], ?::bigint[], ?::varchar[], ?::varchar[]) "
          + "AS v(id, seq, prev, hash) WHERE e.entry_id = v.id AND e.seq IS NULL; ");
    }
    if (!nodes.isEmpty()) {
      sql.append("INSERT INTO audit_tree_node (level, idx, hash) SELECT * FROM unnest(?::smallint[], ?::bigint[], ?::varchar[]); ");
    }
    sql.append("UPDATE audit_head SET seq = ?, hash = ?, tree_size = ? WHERE id = 1");
    if (note != null) {
      sql.append("; INSERT INTO audit_checkpoint (tree_size, note, signed_at) VALUES (?, ?, ?) ON CONFLICT (tree_size) "
          + "DO UPDATE SET signed_at = COALESCE(audit_checkpoint.signed_at, EXCLUDED.signed_at)");
    }
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int p = 1;
      if (!chained.isEmpty()) {
        String[] ids = new String[chained.size()];
        Long[] seqs = new Long[chained.size()];
        String[] prevs = new String[chained.size()];
        String[] hashes = new String[chained.size()];
        for (int i = 0; i < ids.length; i++) {
          Row r = chained.get(i);
          ids[i] = r.id();
          seqs[i] = r.seq();
          prevs[i] = r.prev();
          hashes[i] = r.hash();
        }
        ps.setArray(p++, c.createArrayOf("varchar", ids));
        ps.setArray(p++, c.createArrayOf("bigint", seqs));
        ps.setArray(p++, c.createArrayOf("varchar", prevs));
        ps.setArray(p++, c.createArrayOf("varchar", hashes));
      }
      if (!nodes.isEmpty()) {
        Short[] levels = new Short[nodes.size()];
        Long[] indexes = new Long[nodes.size()];
        String[] hashes = new String[nodes.size()];
        for (int i = 0; i < levels.length; i++) {
          Object[] n = nodes.get(i);
          levels[i] = ((Integer) n[0]).shortValue();
          indexes[i] = (Long) n[1];
          hashes[i] = HEX.formatHex((byte[]) n[2]);
        }
        ps.setArray(p++, c.createArrayOf("smallint", levels));
        ps.setArray(p++, c.createArrayOf("bigint", indexes));
        ps.setArray(p++, c.createArrayOf("varchar", hashes));
      }
      ps.setLong(p++, seq);
      ps.setString(p++, hash);
      ps.setLong(p++, treeSize);
      if (note != null) {
        ps.setLong(p++, treeSize);
        ps.setString(p++, note);
        ps.setObject(p, signedAt);
      }
      ps.execute();
      while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
        // every statement's result consumed: a failure among them has been raised by execute already
      }
    }
  }

  /** Stores Merkle nodes given as {@code levels[i], indexes[i], hashes[i]}, in one batch. */
  static void insertNodes(Connection c, List<Object[]> nodes) throws SQLException {
    if (nodes.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_tree_node (level, idx, hash) VALUES (?, ?, ?)")) {
      for (Object[] n : nodes) {
        ps.setInt(1, (Integer) n[0]);
        ps.setLong(2, (Long) n[1]);
        ps.setString(3, HEX.formatHex((byte[]) n[2]));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** The stored nodes among {@code levels[i], indexes[i]}, into {@code found} by {@code key}; one statement. */
  static void nodes(Handle h, int[] levels, long[] indexes, Map<Long, byte[]> found, KeyOf key) throws SQLException {
    if (levels.length == 0) {
      return;
    }
    Connection c = h.getConnection();
    boolean pg = postgres(c);
    String sql = pg
        ? "SELECT n.level, n.idx, n.hash FROM unnest(?::smallint[], ?::bigint[]) AS k(l, i) JOIN audit_tree_node n ON n.level = k.l AND n.idx = k.i"
        : "SELECT n.level, n.idx, n.hash FROM UNNEST(CAST(? AS SMALLINT ARRAY), CAST(? AS BIGINT ARRAY)) AS k(l, i) "
            + "JOIN audit_tree_node n ON n.level = k.l AND n.idx = k.i";
    Short[] ls = new Short[levels.length];
    Long[] is = new Long[indexes.length];
    for (int i = 0; i < ls.length; i++) {
      ls[i] = (short) levels[i];
      is[i] = indexes[i];
    }
    Array levelArray = array(c, pg ? "smallint" : "SMALLINT", ls);
    Array indexArray = array(c, pg ? "bigint" : "BIGINT", is);
    // through the handle, so that its statement is seen (and counted) like every other
    h.createQuery(sql).bind(0, (Argument) (p, st, ctx) -> st.setArray(p, levelArray)).bind(1, (Argument) (p, st, ctx) -> st.setArray(p, indexArray))
        .map((rs, ctx) -> Map.entry(key.of(rs.getInt(1), rs.getLong(2)), HEX.parseHex(rs.getString(3)))).forEach(e -> found.put(e.getKey(), e.getValue()));
  }

  /** The sealed entries numbered {@code seqs}, in no particular order; one statement. */
  static List<Row> bySeq(Handle h, long[] seqs) throws SQLException {
    if (seqs.length == 0) {
      return List.of();
    }
    Connection c = h.getConnection();
    boolean pg = postgres(c);
    Long[] boxed = new Long[seqs.length];
    for (int i = 0; i < seqs.length; i++) {
      boxed[i] = seqs[i];
    }
    Array seqArray = array(c, pg ? "bigint" : "BIGINT", boxed);
    return h.createQuery(SELECT + (pg ? " WHERE seq = ANY(?::bigint[])" : " WHERE seq = ANY(CAST(? AS BIGINT ARRAY))"))
        .bind(0, (Argument) (p, st, ctx) -> st.setArray(p, seqArray)).map((rs, ctx) -> read(rs)).list();
  }

  private static Array array(Connection c, String type, Object[] values) throws SQLException {
    return c.createArrayOf(type, values);
  }

  /** A node's place as one number. */
  @FunctionalInterface
  interface KeyOf {
    long of(int level, long index);
  }

  static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
