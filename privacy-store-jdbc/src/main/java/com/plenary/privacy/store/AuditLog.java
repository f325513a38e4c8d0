package com.plenary.privacy.store;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.audit.MerkleFrontier;
import com.plenary.privacy.audit.MerkleTree;
import com.plenary.privacy.domain.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGStatement;

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
 *
 * <p>The same seal appends the entries, in sequence order, as the leaves of a Merkle tree (RFC 9162;
 * {@link #leaf} is an entry's bytes) whose complete subtrees are stored ({@code audit_tree_node}), and
 * once it has committed, signs a checkpoint of the tree with a key kept outside the database
 * ({@link AuditCheckpoints}). A chain and a tree in one database can both be rewritten end to end by
 * whoever can write to it; the signed checkpoints cannot, so {@link #verify} checks the recomputed tree
 * against every checkpoint signed, and a verifier outside the server checks consistency proofs
 * ({@link #consistencyProof}) from the last checkpoint it saw.
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

  /** The tree of {@code size} sealed entries and its root hash. */
  public record TreeHead(long size, byte[] root) {}

  /** A proof and the root it leads to: an inclusion proof's leaf hash, or a consistency proof's older root. */
  public record Proof(long size, byte[] root, byte[] start, List<byte[]> hashes) {
    public Proof {
      hashes = List.copyOf(hashes);
    }
  }

  private static final String ZERO = "0".repeat(64);
  private static final HexFormat HEX = HexFormat.of();

  private final Jdbi jdbi;
  private final Clock clock;
  private volatile AuditCheckpoints checkpoints;
  /**
   * The tree's size as this log's last seal left it: a guess at the frontier the next seal needs, read with the head in one
   * round trip on PostgreSQL; only a guess (another node may have sealed since), so it is checked against the head.
   */
  private volatile long lastTreeSize = -1;

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
    write(h, List.of(row(at, r)));
    return new Entry(0, at, r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(), r.categories(), r.effect(), r.rules(), r.clauses(),
        r.requestId(), "", "");
  }

  /**
   * Writes entries within {@code h}'s transaction at once (binary COPY on PostgreSQL, multi-row inserts
   * elsewhere), as {@link #append(Handle, AuditRecord)} writes one.
   */
  public void append(Handle h, List<AuditRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    List<AuditRows.Row> rows = new ArrayList<>(records.size());
    for (AuditRecord r : records) {
      rows.add(row(clock.instant().truncatedTo(ChronoUnit.MICROS), r));
    }
    write(h, rows);
  }

  private static void write(Handle h, List<AuditRows.Row> rows) {
    try {
      AuditRows.insert(h.getConnection(), rows, false);
    } catch (SQLException e) {
      throw new StoreException("cannot write the audit trail: " + e.getMessage(), e);
    }
  }

  /** A record as an unsealed row written at {@code at}. */
  private static AuditRows.Row row(Instant at, AuditRecord r) {
    return new AuditRows.Row("a-" + Ids.timeOrdered(), 0, null, null, at, r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(),
        String.join(",", r.categories()), r.effect(), String.join(",", r.rules()), String.join(",", r.clauses()), r.requestId());
  }

  /**
   * Signs a checkpoint at every seal from now on and checks the log against the checkpoints in
   * {@link #verify}; set once, when the platform opens its data directory.
   */
  public void keepCheckpoints(AuditCheckpoints checkpoints) {
    this.checkpoints = checkpoints;
  }

  /** The checkpoints kept, if any. */
  public Optional<AuditCheckpoints> checkpoints() {
    return Optional.ofNullable(checkpoints);
  }

  /**
   * Chains every written, unsealed entry, oldest first, in one transaction under the head's lock, and
   * adds them to the Merkle tree in the same transaction; returns how many were sealed. Once it has
   * committed, a checkpoint of the tree is signed (when checkpoints are kept and the tree grew since the
   * last one). Safe to run from several nodes at once.
   */
  public int seal() {
    return (Integer) signed(jdbi.inTransaction(h -> sealing(h, List.of())))[0];
  }

  /**
   * Writes {@code records} already sealed, for bulk writers and the sealer's own batches: in one
   * transaction under the head's lock, the entries still unsealed are sealed first (as {@link #seal}
   * does), then the new ones are numbered, chained and written in one multi-row batch with their
   * sequence numbers and hashes, their Merkle nodes computed in memory and stored in one batch, the head
   * moved and the checkpoint signed — no row written and then read back and updated. An operation that
   * must audit in its own transaction uses {@link #append(Handle, AuditRecord)} instead (the enforcer
   * does); the log is the same either way. Returns how many entries were sealed in all.
   */
  public int appendSealed(List<AuditRecord> records) {
    return (Integer) signed(jdbi.inTransaction(h -> sealing(h, records)))[0];
  }

  /**
   * Records a seal's checkpoint in the file, once the seal has committed; answers {@code out}. The note
   * the seal signed into the database is the file's too (Ed25519 signs deterministically: signing again
   * would give the same note), unless the checkpoints were replaced meanwhile.
   */
  private Object[] signed(Object[] out) {
    AuditCheckpoints kept = checkpoints;
    if (kept != null) {
      TreeHead grown = (TreeHead) out[1];
      if (grown == null && kept.behind(treeSize())) {
        grown = treeHead(); // nothing sealed now, but no checkpoint yet of the tree (a new key, a lost file): it is signed once
      }
      if (grown != null) {
        Signing s = out.length > 2 ? (Signing) out[2] : null;
        if (s != null && s.by() == kept && s.note() != null) {
          kept.record(grown.size(), s.note());
        } else {
          kept.record(grown.size(), grown.root());
        }
      }
    }
    return out;
  }

  /** The checkpoints a seal signed with and the note it signed (null when it signed none). */
  private record Signing(AuditCheckpoints by, String note) {}

  private Object[] sealing(Handle h, List<AuditRecord> fresh) {
    try {
      return sealWithin(h, fresh);
    } catch (SQLException e) {
      throw new StoreException("cannot seal the audit trail: " + e.getMessage(), e);
    }
  }

  private Object[] sealWithin(Handle h, List<AuditRecord> fresh) throws SQLException {
    Connection c = h.getConnection();
    boolean pg = AuditRows.postgres(c);
    AuditRows.SealRead read;
    long guess = lastTreeSize;
    if (pg) {
      // one round trip: the chain's lock with the head, the entries waiting, and the frontier of the tree as this log last left it
      // (read under the lock, so exactly what the database holds; used only if the head names that size, else read again below)
      Wanted w = guess < 0 ? NOTHING : wanted(stored -> MerkleFrontier.of(guess, stored));
      read = AuditRows.lockAndRead(c, w.levels(), w.indexes(), w.seqs(), AuditLog::key, PENDING_A_SEAL);
    } else {
      h.createUpdate("UPDATE audit_head SET seq = seq WHERE id = 1").execute(); // the chain's lock
      Map<String, Object> head = h.createQuery("SELECT seq, hash, tree_size FROM audit_head WHERE id = 1").mapToMap().one();
      List<AuditRows.Row> waiting = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(AuditRows.SELECT + " WHERE seq IS NULL ORDER BY at, entry_id LIMIT " + PENDING_A_SEAL);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          waiting.add(AuditRows.read(rs));
        }
      }
      read = new AuditRows.SealRead(((Number) head.get("seq")).longValue(), (String) head.get("hash"), ((Number) head.get("tree_size")).longValue(), waiting,
          null, null);
    }
    long seq = read.seq();
    String prev = read.hash();
    long treeSize = read.treeSize();
    List<AuditRows.Row> pending = read.pending();
    lastTreeSize = treeSize;
    if (pending.isEmpty() && fresh.isEmpty() && treeSize == seq) {
      return new Object[] {0, null};
    }
    List<Object[]> nodes = new ArrayList<>();
    MerkleFrontier.Completed store = (level, index, hash) -> {
      if (level >= TILE) { // the levels below are computed from the entries when asked for
        nodes.add(new Object[] {level, index, hash});
      }
    };
    MerkleFrontier tree = read.nodes() != null && treeSize == guess ? MerkleFrontier.of(treeSize, nodes(read.nodes(), read.entries()))
        : withNodes(h, stored -> MerkleFrontier.of(treeSize, stored));
    MessageDigest sha = sha256();
    // entries sealed before the tree existed (migration V24) join it first, in order
    while (tree.size() < seq) {
      long from = tree.size();
      try (PreparedStatement ps = c.prepareStatement(AuditRows.SELECT + " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 10000")) {
        ps.setLong(1, tree.size());
        ps.setLong(2, seq);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            sha.update((byte) 0x00);
            tree.append(sha.digest(AuditRows.read(rs).leaf()), store);
          }
        }
      }
      if (tree.size() == from) {
        throw new IllegalStateException("entry " + (from + 1) + " is missing: the sealed entries cannot join the Merkle tree");
      }
    }
    // the entries written by audited operations: numbered, chained and added to the tree here, then
    // given their numbers and hashes in one statement
    List<AuditRows.Row> chained = new ArrayList<>(pending.size());
    for (AuditRows.Row p : pending) {
      seq++;
      AuditRows.Row numbered = p.sealed(seq, prev, null);
      byte[] leaf = numbered.leaf(); // built once: the chain hashes the same bytes, then the link
      String hash = HEX.formatHex(chainHash(sha, leaf, prev));
      chained.add(p.sealed(seq, prev, hash));
      sha.update((byte) 0x00);
      tree.append(sha.digest(leaf), store);
      prev = hash;
    }
    if (!pg) {
      AuditRows.seal(c, chained);
    }
    // the entries written sealed: numbered and chained here, then written in one stream
    List<AuditRows.Row> written = new ArrayList<>(fresh.size());
    for (AuditRecord r : fresh) {
      Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
      seq++;
      String categories = String.join(",", r.categories());
      String rules = String.join(",", r.rules());
      String clauses = String.join(",", r.clauses());
      byte[] leaf = AuditRows.leaf(seq, at, r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(), categories, r.effect(), rules, clauses,
          r.requestId()); // built once: the chain hashes the same bytes, then the link
      String hash = HEX.formatHex(chainHash(sha, leaf, prev));
      written.add(new AuditRows.Row("a-" + Ids.timeOrdered(), seq, prev, hash, at, r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(),
          categories, r.effect(), rules, clauses, r.requestId()));
      sha.update((byte) 0x00);
      tree.append(sha.digest(leaf), store);
      prev = hash;
    }
    AuditRows.insert(c, written, true);
    AuditCheckpoints signing = checkpoints;
    byte[] root = tree.root();
    // under the head's lock, so the checkpoints of all nodes form one sequence; a size already signed is kept as it was
    String note = signing != null && tree.size() > treeSize ? signing.sign(tree.size(), root) : null;
    OffsetDateTime signedAt = note == null ? null : clock.instant().atOffset(ZoneOffset.UTC);
    if (pg) { // the rest in one round trip: the waiting entries' numbers and hashes, the tiles, the head, the checkpoint
      AuditRows.finishSeal(c, chained, nodes, seq, prev, tree.size(), note, signedAt);
    } else {
      AuditRows.insertNodes(c, nodes);
      h.createUpdate("UPDATE audit_head SET seq = :seq, hash = :hash, tree_size = :size WHERE id = 1").bind("seq", seq).bind("hash", prev)
          .bind("size", tree.size()).execute();
      if (note != null) {
        Schedule.insertIfAbsent(h, "audit_checkpoint", "tree_size", tree.size(), "note", note);
        h.createUpdate("UPDATE audit_checkpoint SET signed_at = :at WHERE tree_size = :size AND signed_at IS NULL").bind("at", signedAt)
            .bind("size", tree.size()).execute();
      }
    }
    lastTreeSize = tree.size();
    return new Object[] {pending.size() + fresh.size(), new TreeHead(tree.size(), root), new Signing(signing, note)};
  }

  /** At most so many entries waiting for the sealer are sealed at once. */
  private static final int PENDING_A_SEAL = 10_000;

  private static final Wanted NOTHING = new Wanted(new int[0], new long[0], new long[0]);

  /**
   * The newest checkpoint signed by any node, as its signed note: from the database's sequence, else
   * from this node's checkpoint file; empty before the first seal.
   */
  public Optional<String> latestCheckpoint() {
    Optional<String> shared = jdbi.withHandle(h -> h.createQuery("SELECT note FROM audit_checkpoint ORDER BY tree_size DESC LIMIT 1").mapTo(String.class)
        .findOne());
    AuditCheckpoints kept = checkpoints;
    return shared.isPresent() || kept == null ? shared : kept.latest();
  }

  /** Every checkpoint in the database's sequence, smallest tree first, as signed notes. */
  public List<String> sharedCheckpoints() {
    return jdbi.withHandle(h -> h.createQuery("SELECT note FROM audit_checkpoint ORDER BY tree_size").mapTo(String.class).list());
  }

  private long treeSize() {
    return jdbi.withHandle(h -> h.createQuery("SELECT tree_size FROM audit_head WHERE id = 1").mapTo(Long.class).one());
  }

  /** The stored tree's size and root. */
  public TreeHead treeHead() {
    return jdbi.withHandle(h -> {
      long size = h.createQuery("SELECT tree_size FROM audit_head WHERE id = 1").mapTo(Long.class).one();
      return new TreeHead(size, withNodes(h, nodes -> MerkleTree.root(nodes, size)));
    });
  }

  /**
   * The inclusion proof of the entry numbered {@code seq} in the tree of {@code size} entries; an entry
   * or size the stored tree does not hold is an {@link InvalidInputException} naming it.
   */
  public Proof inclusionProof(long seq, long size) {
    return jdbi.withHandle(h -> {
      long treeSize = h.createQuery("SELECT tree_size FROM audit_head WHERE id = 1").mapTo(Long.class).one();
      if (size < 1 || size > treeSize) {
        throw new InvalidInputException("size", "size must be a tree size from 1 to " + treeSize + ", the entries sealed so far");
      }
      if (seq < 1 || seq > size) {
        throw new InvalidInputException("seq", "seq must name an entry of the tree: from 1 to its size, " + size);
      }
      return withNodes(h, nodes -> new Proof(size, MerkleTree.root(nodes, size), nodes.node(0, seq - 1), MerkleTree.inclusionProof(nodes, seq - 1, size)));
    });
  }

  /** The proof that the tree of {@code from} entries is a prefix of the tree of {@code to}; sizes the tree does not hold are refused. */
  public Proof consistencyProof(long from, long to) {
    return jdbi.withHandle(h -> {
      long treeSize = h.createQuery("SELECT tree_size FROM audit_head WHERE id = 1").mapTo(Long.class).one();
      if (to < 1 || to > treeSize) {
        throw new InvalidInputException("to", "to must be a tree size from 1 to " + treeSize + ", the entries sealed so far");
      }
      if (from < 1 || from > to) {
        throw new InvalidInputException("from", "from must be a tree size from 1 to to, " + to);
      }
      return withNodes(h, nodes -> new Proof(to, MerkleTree.root(nodes, to), MerkleTree.root(nodes, from), MerkleTree.consistencyProof(nodes, from, to)));
    });
  }

  /**
   * The complete subtrees that {@code computation} reads, fetched in one query each for nodes and entries
   * instead of one query a node: the computation is first run on stand-in hashes to learn which nodes it
   * asks for (the tree's shape alone decides that, never the hashes), then the nodes are read at once and
   * it runs again on them. Only subtrees of {@code 2^TILE} leaves and more are stored (a tile's bottom
   * levels would double the rows written per entry); a node below is hashed from its at most
   * {@code 2^TILE} entries, read by their sequence numbers in the same way. A proof at 10 million entries
   * reads some 40 nodes and a block or two of 16 entries: two statements, each by an array of keys, so
   * their text is the same for every proof and the database plans them once.
   */
  private static <T> T withNodes(Handle h, Function<MerkleTree.Nodes, T> computation) {
    Wanted w = wanted(computation);
    Map<Long, byte[]> found = new HashMap<>();
    List<AuditRows.Row> entries;
    try {
      AuditRows.nodes(h, w.levels(), w.indexes(), found, AuditLog::key);
      entries = AuditRows.bySeq(h, w.seqs());
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log's Merkle tree: " + e.getMessage(), e);
    }
    return computation.apply(nodes(found, entries));
  }

  /** The stored nodes ({@code levels[i], indexes[i]}) and the entries ({@code seqs}, for the nodes below the tiles) a computation reads. */
  private record Wanted(int[] levels, long[] indexes, long[] seqs) {}

  /** What {@code computation} reads, learnt by running it on stand-in hashes (the tree's shape alone decides that, never the hashes). */
  private static Wanted wanted(Function<MerkleTree.Nodes, ?> computation) {
    Set<Long> wanted = new LinkedHashSet<>();
    byte[] standIn = new byte[MerkleTree.HASH_BYTES];
    computation.apply((level, index) -> {
      wanted.add(key(level, index));
      return standIn;
    });
    List<Long> keys = new ArrayList<>();
    Set<Long> blocks = new LinkedHashSet<>();
    for (long k : wanted) {
      int level = (int) (k >>> 58);
      if (level >= TILE) {
        keys.add(k);
      } else {
        long first = (k & INDEX_MASK) << level; // the node's first leaf, numbered from 0
        blocks.add(first >>> TILE);
      }
    }
    int[] levels = new int[keys.size()];
    long[] indexes = new long[keys.size()];
    for (int i = 0; i < levels.length; i++) {
      levels[i] = (int) (keys.get(i) >>> 58);
      indexes[i] = keys.get(i) & INDEX_MASK;
    }
    long[] seqs = new long[blocks.size() << TILE];
    int n = 0;
    for (long block : blocks) {
      for (long s = (block << TILE) + 1; s <= (block + 1) << TILE; s++) {
        seqs[n++] = s;
      }
    }
    return new Wanted(levels, indexes, seqs);
  }

  /** The tree's nodes from the stored ones read ({@code found}, by {@link #key}) and, below the tiles, hashed from the entries read. */
  private static MerkleTree.Nodes nodes(Map<Long, byte[]> found, List<AuditRows.Row> entries) {
    Map<Long, byte[]> leaves = new HashMap<>(); // leaf index (seq - 1) → leaf hash
    MessageDigest sha = sha256();
    for (AuditRows.Row e : entries) {
      sha.update((byte) 0x00);
      leaves.put(e.seq() - 1, sha.digest(e.leaf()));
    }
    return (level, index) -> level >= TILE ? found.get(key(level, index)) : below(leaves, level, index);
  }

  /** A node under the stored levels, hashed from its leaves; null when one is missing. */
  private static byte[] below(Map<Long, byte[]> leaves, int level, long index) {
    if (level == 0) {
      return leaves.get(index);
    }
    byte[] left = below(leaves, level - 1, index * 2);
    byte[] right = left == null ? null : below(leaves, level - 1, index * 2 + 1);
    return right == null ? null : MerkleTree.nodeHash(left, right);
  }

  /** The stored levels of the tree begin here: a tile is the complete subtree of 2^TILE entries. */
  static final int TILE = 4;

  private static final long INDEX_MASK = (1L << 58) - 1;

  /** A node's place as one number: its level (below 64) in the top six bits, its index (below 2^58) in the rest. */
  private static long key(int level, long index) {
    return ((long) level << 58) | index;
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

  /**
   * What an audit search asks for; every part may be left out (null). {@code rule} matches an entry
   * that names that rule among its rules; {@code since} is inclusive, {@code until} exclusive;
   * {@code beforeSeq} pages back through sealed entries.
   */
  public record Search(String subject, String actor, String action, String rule, String effect, Instant since, Instant until, Long beforeSeq, int limit) {}

  /** The entries that match {@code q}, newest first; at most {@code q.limit()}. Values are bound, never spliced into the SQL. */
  public List<Entry> search(Search q) {
    StringBuilder sql = new StringBuilder("SELECT * FROM audit_log_entry WHERE 1 = 1");
    Map<String, Object> binds = new HashMap<>();
    if (q.subject() != null) {
      sql.append(" AND subject_id = :subject");
      binds.put("subject", q.subject());
    }
    if (q.actor() != null) {
      sql.append(" AND actor_id = :actor");
      binds.put("actor", q.actor());
    }
    if (q.action() != null) {
      sql.append(" AND action = :action");
      binds.put("action", q.action());
    }
    if (q.effect() != null) {
      sql.append(" AND effect = :effect");
      binds.put("effect", q.effect());
    }
    if (q.rule() != null) {
      // rules are stored comma-joined: match one whole rule, not a part of one
      sql.append(" AND (rules = :rule OR rules LIKE :first ESCAPE '!' OR rules LIKE :last ESCAPE '!' OR rules LIKE :middle ESCAPE '!')");
      String r = q.rule().replace("!", "!!").replace("%", "!%").replace("_", "!_");
      binds.put("rule", q.rule());
      binds.put("first", r + ",%");
      binds.put("last", "%," + r);
      binds.put("middle", "%," + r + ",%");
    }
    if (q.since() != null) {
      sql.append(" AND at >= :since");
      binds.put("since", q.since().atOffset(ZoneOffset.UTC));
    }
    if (q.until() != null) {
      sql.append(" AND at < :until");
      binds.put("until", q.until().atOffset(ZoneOffset.UTC));
    }
    if (q.beforeSeq() != null) {
      sql.append(" AND seq < :before");
      binds.put("before", q.beforeSeq());
    }
    sql.append(" ORDER BY at DESC, entry_id DESC LIMIT :limit");
    binds.put("limit", q.limit());
    return jdbi.withHandle(h -> h.createQuery(sql.toString()).bindMap(binds).map((rs, ctx) -> read(rs)).list());
  }

  /** Sealed entries from sequence number {@code fromSeq} on, in order; at most {@code limit}. */
  public List<Entry> sealedFrom(long fromSeq, int limit) {
    return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log_entry WHERE seq >= :from ORDER BY seq LIMIT :limit")
        .bind("from", fromSeq).bind("limit", limit).map((rs, ctx) -> read(rs)).list());
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
   * Seals what is written, then walks the chain up to its head and checks every link and every hash,
   * recomputes the Merkle tree from the entries and checks it against the stored tree and against
   * every checkpoint signed (when checkpoints are kept): an entry altered, inserted, removed or moved,
   * or a tail cut off, is found even when the chain and the tree in the database were rebuilt to match.
   *
   * <p>Consistent under load: a seal numbers its entries and moves the head in one transaction, and
   * signs its checkpoint only after it committed, so the checkpoints are read first, then the head, and
   * every entry up to the sequence it names is committed and final; what is sealed while the walk runs
   * is left to the next check. A head moved back behind sealed entries is reported too: an entry beyond
   * the head is only possible when the head was rewritten.
   */
  public Verification verify() {
    try {
      seal();
    } catch (IllegalStateException e) {
      return new Verification(false, 0, 0, "the audit log cannot be sealed: " + e.getMessage());
    }
    AuditCheckpoints kept = checkpoints;
    List<String> fileNotes = kept == null ? List.of() : kept.notes();
    List<String> shared = kept == null ? List.of() : sharedCheckpoints();
    // both sequences opened at once: the database's notes are mostly the file's, each checked once
    List<String> every = new ArrayList<>(fileNotes);
    every.addAll(shared);
    List<AuditCheckpoints.Signed> opened = kept == null ? List.of() : kept.openAll(every);
    List<AuditCheckpoints.Signed> signed = new ArrayList<>(opened.subList(0, fileNotes.size()));
    for (AuditCheckpoints.Signed s : signed) {
      if (s.problem() != null) {
        return new Verification(false, 0, 0, "checkpoint " + s.position() + " in the checkpoint file is not one this server signed: " + s.problem());
      }
    }
    // the sequence every node signed into the database: checked with the same key, held to the same tree
    for (int i = 0; i < shared.size(); i++) {
      AuditCheckpoints.Signed s = opened.get(fileNotes.size() + i);
      if (s.problem() != null) {
        return new Verification(false, 0, 0, "checkpoint " + (i + 1) + " in the database is not one this log's key signed: " + s.problem());
      }
      signed.add(s);
    }
    TreeMap<Long, List<byte[]>> bySize = new TreeMap<>();
    signed.forEach(s -> bySize.computeIfAbsent(s.checkpoint().size(), k -> new ArrayList<>()).add(s.checkpoint().root()));
    try {
      return jdbi.inTransaction(h -> walk(h, bySize, kept, signed));
    } catch (SQLException e) {
      throw new StoreException("the audit log could not be read to verify it", e);
    }
  }

  private Verification walk(Handle h, TreeMap<Long, List<byte[]>> bySize, AuditCheckpoints kept, List<AuditCheckpoints.Signed> signed) throws SQLException {
    { // PostgreSQL streams a result (fetch size) only inside a transaction, as here
      var head = head(h);
      long headSeq = ((Number) head.get("seq")).longValue();
      AuditWalk.Outcome walked;
      Connection c = h.getConnection();
      boolean pg = AuditRows.postgres(c);
      if (pg) { // times printed in UTC, the form AuditWalk rewrites without parsing; for this transaction only
        h.execute("SET LOCAL TIME ZONE 'UTC'");
      }
      // reading and hashing at once (AuditWalk): every link and chain hash, the tree and the checkpoints
      try (PreparedStatement ps = c.prepareStatement("SELECT seq, prev_hash, hash, at, actor_kind, actor_id, action, purpose, subject_id, "
          + "categories, effect, rules, clauses, request_id FROM audit_log_entry WHERE seq IS NOT NULL AND seq <= ? ORDER BY seq")) {
        ps.setFetchSize(10_000);
        ps.setLong(1, headSeq);
        if (pg) {
          // never prepared on the server: PgJDBC would then take the time in binary from the fifth check on a connection, and the walk
          // would parse it entry by entry instead of rewriting its text (the same result, at a speed that depended on the connection)
          ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        try (ResultSet rs = ps.executeQuery()) {
          walked = AuditWalk.walk(rs, bySize, ZERO, pg);
        }
      }
      if (walked.failure() != null) {
        return walked.failure();
      }
      long count = walked.count();
      String prev = walked.lastHash();
      if (headSeq != count || !head.get("hash").equals(prev)) {
        return new Verification(false, count, count + 1, "the newest entries were removed: the head names entry " + headSeq);
      }
      if (!bySize.isEmpty() && bySize.lastKey() > count) {
        return new Verification(false, count, count + 1, "entries were removed from the end: the log holds " + count + " but a checkpoint was signed at "
            + bySize.lastKey());
      }
      // the newest sealed entry first, then the head: a seal commits both at once, so the head read after is never behind it
      Long newest = h.createQuery("SELECT MAX(seq) FROM audit_log_entry").mapTo(Long.class).one();
      long headNow = ((Number) head(h).get("seq")).longValue();
      if (newest != null && newest > headNow) {
        return new Verification(false, count, headNow + 1, "the head was moved back: it names entry " + headNow + " but entry " + newest + " is sealed");
      }
      long treeSize = ((Number) head.get("tree_size")).longValue();
      if (treeSize != count || !storedRootIs(h, treeSize, walked.root())) {
        return new Verification(false, count, 0, "the stored Merkle tree does not match the entries: its proofs would not verify");
      }
      return new Verification(true, count, 0, count + " entries, chain intact" + (kept == null ? "" : ", Merkle root matches " + signed.size() + " signed checkpoints"));
    }
  }

  private static boolean storedRootIs(Handle h, long size, byte[] root) {
    try {
      return MessageDigest.isEqual(withNodes(h, nodes -> MerkleTree.root(nodes, size)), root);
    } catch (IllegalStateException missingNode) {
      return false;
    }
  }

  /** Why the tree of {@code size} entries with {@code root} is not the one the checkpoints of that size signed, or null. */
  private static String againstCheckpoints(List<byte[]> signedRoots, byte[] root, long size) {
    if (signedRoots != null) {
      for (byte[] r : signedRoots) {
        if (!MessageDigest.isEqual(r, root)) {
          return "the first " + size + " entries are not those the checkpoint at size " + size + " signed: history was rewritten";
        }
      }
    }
    return null;
  }

  private static Map<String, Object> head(Handle h) {
    return h.createQuery("SELECT seq, hash, tree_size FROM audit_head WHERE id = 1").mapToMap().one();
  }

  /**
   * An entry's bytes as a leaf of the Merkle tree: its sequence number and content, in the canonical
   * form the chain hashes, without the link to the entry before (the tree orders the entries itself).
   */
  public static byte[] leaf(Entry e) {
    return String.join("\u001f", String.valueOf(e.seq()), e.at().toString(), e.actorKind(), e.actorId(), e.action(), e.purpose(),
        e.subject() == null ? "" : e.subject(), String.join(",", e.categories()), e.effect(), String.join(",", e.rules()), String.join(",", e.clauses()),
        e.requestId() == null ? "" : e.requestId()).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The chain hash of a sealed entry, in hex: SHA-256 over its leaf bytes ({@link #leaf}), the unit
   * separator and the hash of the entry before it — the entry's canonical form with its link.
   */
  public static String hash(Entry e) {
    return HEX.formatHex(chainHash(sha256(), leaf(e), e.prevHash()));
  }

  private static byte[] chainHash(MessageDigest sha, byte[] leaf, String prevHash) {
    sha.update(leaf);
    sha.update((byte) 0x1f);
    sha.update(prevHash.getBytes(StandardCharsets.UTF_8));
    return sha.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
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

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static List<String> split(String s) {
    return s == null || s.isEmpty() ? List.of() : List.of(s.split(","));
  }
}
