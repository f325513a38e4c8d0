package com.plenary.privacy.bench;

import com.plenary.privacy.audit.MerkleTree;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.store.AuditCheckpoints;
import com.plenary.privacy.store.AuditLog;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.crypto.Keys;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The verifiable audit log (C29, issue 17) against its baselines, each in the same run and the same database:
 *
 * <ol>
 *   <li><b>appends</b>: {@code appends} entries written as the platform writes them — a batch of
 *       {@code batch} entries in the audited operation's transaction, then the seal that chains them,
 *       appends them to the Merkle tree (its completed subtrees stored) and signs a checkpoint (Ed25519,
 *       to a file), committed — against plain JDBC batch inserts of the same rows into a table with the
 *       same columns and primary key, {@code batch} a transaction;</li>
 *   <li><b>verification</b>: {@link AuditLog#verify} over those entries (every link, every chain hash,
 *       the recomputed tree against the stored root and every checkpoint) against reading the same rows
 *       in order and computing one SHA-256 over each entry's bytes ({@link AuditLog#leaf});</li>
 *   <li><b>inclusion proofs</b> at {@code proof-size} entries (10 million by default): a log of that size
 *       is built through {@link AuditLog#appendSealed} in batches of 20,000 (no checkpoints kept), then
 *       {@code proofs} inclusion proofs of random entries in the full tree are timed through
 *       {@link AuditLog#inclusionProof}; outside the timing each is checked to start at its entry's leaf
 *       as stored and to lead to the tree's root.</li>
 * </ol>
 *
 * Goals (issue 17): at least 100,000 appends a second, verification at least 0.8 of the raw hashing
 * rate, an inclusion proof in at most 1 ms at 10 million entries. Figures are only meaningful on a quiet
 * machine.
 *
 * <p>Run: {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.AuditLogScale
 * [h2|postgresql] [appends] [batch] [proof-size] [proofs]} (defaults {@code h2 1000000 1000 10000000 1000}).
 * H2 runs in files under a temporary directory; PostgreSQL uses {@code PLENARY_BENCH_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}) as {@code PLENARY_BENCH_PG_USER} (default postgres), in
 * fresh schemas dropped afterwards. A smoke run: {@code … AuditLogScale h2 2000 100 5000 50}.
 */
public final class AuditLogScale {
  private static final HexFormat HEX = HexFormat.of();
  private static final String COLUMNS = "entry_id, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id";

  private static long twinSeq;

  private AuditLogScale() {}

  public static void main(String[] args) throws Exception {
    String database = args.length > 0 ? args[0] : "h2";
    int appends = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    long proofSize = args.length > 3 ? Long.parseLong(args[3]) : 10_000_000L;
    int proofs = args.length > 4 ? Integer.parseInt(args[4]) : 1_000;
    if (!database.equals("h2") && !database.equals("postgresql") || appends < batch || batch < 1 || proofSize < 2 || proofs < 1) {
      System.err.println("usage: AuditLogScale [h2|postgresql] [appends >= batch] [batch >= 1] [proof-size >= 2] [proofs >= 1]");
      System.exit(2);
    }
    System.out.printf(Locale.ROOT, "audit log on %s: %,d appends in batches of %,d; inclusion proofs at %,d entries%n", database, appends, batch, proofSize);
    try (Db main = Db.fresh(database, "audit_bench")) {
      appendsAndVerification(main, appends, batch);
    }
    try (Db big = Db.fresh(database, "audit_bench_proofs")) {
      proofs(big, proofSize, proofs);
    }
  }

  // ---- appends and verification ----

  private static void appendsAndVerification(Db db, int appends, int batch) throws Exception {
    Path dir = Files.createTempDirectory("audit-bench");
    try (Store store = Store.open(db.url, db.user, "", 4, Clock.systemUTC());
        SubjectKeys keyStore = SubjectKeys.open("jdbc:h2:file:" + dir.resolve("keystore") + ";WRITE_DELAY=0", "sa", "", Clock.systemUTC());
        Connection plain = DriverManager.getConnection(db.url, db.user, "")) {
      Storage storage = store.vault(Keys.local(dir.resolve("keys")), keyStore).storage();
      AuditLog audit = store.audit();
      audit.keepCheckpoints(AuditCheckpoints.open(dir.resolve("keys"), dir));
      try (Statement s = plain.createStatement()) {
        s.execute("CREATE TABLE plain_audit (entry_id VARCHAR(40) PRIMARY KEY, at TIMESTAMP WITH TIME ZONE NOT NULL, actor_kind VARCHAR(16) NOT NULL, "
            + "actor_id VARCHAR(100) NOT NULL, action VARCHAR(16) NOT NULL, purpose VARCHAR(100) NOT NULL, subject_id VARCHAR(40), "
            + "categories VARCHAR(2000) NOT NULL, effect VARCHAR(8) NOT NULL, rules VARCHAR(1000) NOT NULL, clauses VARCHAR(400) NOT NULL, request_id VARCHAR(64))");
      }
      plain.setAutoCommit(false);
      SplittableRandom random = new SplittableRandom(17);
      int warmUp = Math.min(appends, Math.max(batch, appends / 10));
      plainInserts(plain, warmUp, batch, random);
      auditAppends(storage, audit, warmUp, batch, random);

      boolean pg = db.url.startsWith("jdbc:postgresql:");
      if (pg) {
        try (Statement s = plain.createStatement()) { // the audit table's twin: its columns, key, constraints and indexes
          s.execute("CREATE TABLE plain_audit_twin (LIKE audit_log_entry INCLUDING ALL)");
        }
        plain.commit();
        plainCopy(plain, "plain_audit", warmUp, batch, random);
        plainCopy(plain, "plain_audit_twin", warmUp, batch, random);
      }
      long t0 = System.nanoTime();
      plainInserts(plain, appends, batch, random);
      double plainRate = appends / seconds(t0);
      double copyRate = Double.NaN;
      double twinRate = Double.NaN;
      if (pg) { // the store writes audit rows by binary COPY on PostgreSQL: the bulk path's nearer baselines
        t0 = System.nanoTime();
        plainCopy(plain, "plain_audit", appends, batch, random);
        copyRate = appends / seconds(t0);
        t0 = System.nanoTime();
        plainCopy(plain, "plain_audit_twin", appends, batch, random);
        twinRate = appends / seconds(t0);
      }
      t0 = System.nanoTime();
      auditAppends(storage, audit, appends, batch, random);
      double auditRate = appends / seconds(t0);
      report("appends", "audit log (batched, sealed, Merkle tree, checkpoint signed)", auditRate, "plain JDBC batch insert", plainRate, "entries/s");
      t0 = System.nanoTime();
      for (int done = 0; done < appends; done += batch) {
        List<AuditRecord> records = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          records.add(record(random));
        }
        audit.appendSealed(records);
      }
      double sealedRate = appends / seconds(t0);
      report("appends, bulk", "AuditLog.appendSealed (written sealed: chain, Merkle tiles, checkpoint signed, one transaction a batch)", sealedRate,
          "plain JDBC batch insert", plainRate, "entries/s");
      if (pg) {
        report("appends, bulk", "AuditLog.appendSealed", sealedRate, "plain binary COPY, a batch a transaction", copyRate, "entries/s");
        report("appends, bulk", "AuditLog.appendSealed", sealedRate, "binary COPY of sealed rows (numbers, 64-hex hashes) into the audit table's twin", twinRate,
            "entries/s");
      }

      long entries = warmUp + 2L * appends;
      rawHashing(db, plain); // warm-up of both
      audit.verify();
      t0 = System.nanoTime();
      long hashed = rawHashing(db, plain);
      double rawRate = hashed / seconds(t0);
      t0 = System.nanoTime();
      AuditLog.Verification v = audit.verify();
      double verifyRate = v.entries() / seconds(t0);
      if (!v.intact() || v.entries() != entries || hashed != entries) {
        throw new IllegalStateException("the log of " + entries + " entries did not verify: " + v.detail() + " (raw pass read " + hashed + ")");
      }
      report("verification", "AuditLog.verify (chain, tree, checkpoints)", verifyRate, "read + one SHA-256 per entry", rawRate, "entries/s");
    } finally {
      deleteTree(dir);
    }
  }

  /** Removes a temporary directory and everything in it. */
  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void plainInserts(Connection c, int n, int batch, SplittableRandom random) throws Exception {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO plain_audit (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (int done = 0; done < n; done += batch) {
        for (int i = 0; i < batch; i++) {
          AuditRecord r = record(random);
          insert.setString(1, "a-" + UUID.randomUUID());
          insert.setTimestamp(2, Timestamp.from(Instant.now().truncatedTo(ChronoUnit.MICROS)));
          insert.setString(3, r.actorKind());
          insert.setString(4, r.actorId());
          insert.setString(5, r.action());
          insert.setString(6, r.purpose());
          insert.setString(7, r.subject());
          insert.setString(8, String.join(",", r.categories()));
          insert.setString(9, r.effect());
          insert.setString(10, String.join(",", r.rules()));
          insert.setString(11, String.join(",", r.clauses()));
          insert.setString(12, r.requestId());
          insert.addBatch();
        }
        insert.executeBatch();
        c.commit();
      }
    }
  }

  /**
   * The same rows as {@link #plainInserts} by binary COPY (as the store writes audit rows on PostgreSQL),
   * {@code batch} rows a transaction: into {@code plain_audit}, or into {@code plain_audit_twin} (the audit
   * table's twin) with a number and two 64-hex-digit hashes each, as a sealed row is written, but nothing
   * computed, chained or signed.
   */
  private static void plainCopy(Connection c, String table, int n, int batch, SplittableRandom random) throws Exception {
    CopyManager copies = c.unwrap(PGConnection.class).getCopyAPI();
    long pgEpochMicros = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L;
    boolean sealed = table.equals("plain_audit_twin");
    String columns = sealed ? COLUMNS.replace("entry_id, ", "entry_id, seq, prev_hash, hash, ") : COLUMNS;
    byte[] someHash = new byte[32];
    for (int done = 0; done < n; done += batch) {
      CopyIn copy = copies.copyIn("COPY " + table + " (" + columns + ") FROM STDIN WITH (FORMAT binary)");
      PGCopyOutputStream target = new PGCopyOutputStream(copy, 1 << 16);
      DataOutputStream out = new DataOutputStream(target);
      out.write(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
      out.writeInt(0);
      out.writeInt(0);
      for (int i = 0; i < batch; i++) {
        AuditRecord r = record(random);
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        out.writeShort(sealed ? 15 : 12);
        copyText(out, "a-" + UUID.randomUUID());
        if (sealed) {
          out.writeInt(8);
          out.writeLong(++twinSeq);
          random.nextBytes(someHash);
          copyText(out, HEX.formatHex(someHash));
          random.nextBytes(someHash);
          copyText(out, HEX.formatHex(someHash));
        }
        out.writeInt(8);
        out.writeLong(at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - pgEpochMicros);
        copyText(out, r.actorKind());
        copyText(out, r.actorId());
        copyText(out, r.action());
        copyText(out, r.purpose());
        copyText(out, r.subject());
        copyText(out, String.join(",", r.categories()));
        copyText(out, r.effect());
        copyText(out, String.join(",", r.rules()));
        copyText(out, String.join(",", r.clauses()));
        copyText(out, r.requestId());
      }
      out.writeShort(-1);
      out.flush();
      target.close();
      c.commit();
    }
  }

  private static void copyText(DataOutputStream out, String v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static void auditAppends(Storage storage, AuditLog audit, int n, int batch, SplittableRandom random) {
    for (int done = 0; done < n; done += batch) {
      List<AuditRecord> records = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        records.add(record(random));
      }
      storage.useTransaction(w -> w.audit(records));
      audit.seal();
    }
  }

  /** An entry as a service's read of one person leaves it: no personal value, only ids, rules and clauses. */
  private static AuditRecord record(SplittableRandom random) {
    return AuditRecord.recorded("service", "mail", "read").purpose("provide").subject("s-" + new UUID(random.nextLong(), random.nextLong()))
        .categories(List.of("user.contact.email", "user.name")).rules(List.of("service-declared-use")).clauses(List.of("C1", "C2", "C14", "C18", "C28"))
        .requestId("rq-" + Long.toHexString(random.nextLong())).build();
  }

  /** Reads every sealed entry in order and computes one SHA-256 over its bytes, as the log's leaves are made; answers how many. */
  private static long rawHashing(Db db, Connection c) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long n = 0;
    byte[] sink = new byte[32];
    try (Statement s = c.createStatement()) {
      s.setFetchSize(10_000); // PostgreSQL streams only inside a transaction, as here (autocommit off)
      try (ResultSet rs = s.executeQuery("SELECT seq, " + COLUMNS + " FROM audit_log_entry WHERE seq IS NOT NULL ORDER BY seq")) {
        while (rs.next()) {
          String bytes = String.join("\u001f", String.valueOf(rs.getLong(1)), rs.getObject(3, OffsetDateTime.class).toInstant().toString(),
              rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), nonNull(rs.getString(8)), rs.getString(9), rs.getString(10),
              rs.getString(11), rs.getString(12), nonNull(rs.getString(13)));
          byte[] d = sha.digest(bytes.getBytes(StandardCharsets.UTF_8));
          sink[(int) (n & 31)] ^= d[0];
          n++;
        }
      }
    }
    c.commit();
    if (sink.length != 32) {
      throw new AssertionError();
    }
    return n;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  // ---- inclusion proofs at scale ----

  private static void proofs(Db db, long size, int proofs) throws Exception {
    try (Store store = Store.open(db.url, db.user, "", 4, Clock.systemUTC())) {
      AuditLog audit = store.audit();
      long t0 = System.nanoTime();
      load(audit, size);
      System.out.printf(Locale.ROOT, "  loaded %,d sealed entries and their tree in %.1f s%n", size, seconds(t0));
      AuditLog.TreeHead head = audit.treeHead();
      if (head.size() != size) {
        throw new IllegalStateException("the loaded tree holds " + head.size() + " entries, not " + size);
      }
      byte[] root = head.root();
      SplittableRandom random = new SplittableRandom(42);
      long[] seqs = new long[proofs];
      for (int i = 0; i < proofs; i++) {
        seqs[i] = 1 + random.nextLong(size);
      }
      for (int i = 0; i < Math.min(proofs, 200); i++) {
        audit.inclusionProof(seqs[i], size); // warm-up
      }
      long[] nanos = new long[proofs];
      List<AuditLog.Proof> out = new ArrayList<>(proofs);
      for (int i = 0; i < proofs; i++) {
        long s = System.nanoTime();
        out.add(audit.inclusionProof(seqs[i], size));
        nanos[i] = System.nanoTime() - s;
      }
      for (int i = 0; i < proofs; i++) {
        AuditLog.Proof p = out.get(i);
        // the proof leads from the entry as stored to the root: its leaf is that entry's, and the path verifies
        byte[] leaf = MerkleTree.leafHash(AuditLog.leaf(audit.sealedFrom(seqs[i], 1).get(0)));
        if (!Arrays.equals(leaf, p.start()) || !MerkleTree.verifyInclusion(seqs[i] - 1, size, p.start(), p.hashes(), root)) {
          throw new IllegalStateException("the inclusion proof of entry " + seqs[i] + " does not verify");
        }
      }
      Arrays.sort(nanos);
      double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
      System.out.printf(Locale.ROOT, "inclusion proof at %,d entries: mean %.3f ms, median %.3f ms, p99 %.3f ms (%d proofs, each verified; goal <= 1 ms)%n",
          size, mean, nanos[proofs / 2] / 1e6, nanos[Math.min(proofs - 1, (int) (proofs * 0.99))] / 1e6, proofs);
    }
  }

  /**
   * Builds a log of {@code size} entries through the store's bulk path, {@link AuditLog#appendSealed}, in
   * batches of 20,000: each batch numbered, chained, written in one stream (binary COPY on PostgreSQL,
   * multi-row inserts on H2) with its Merkle tiles, the head moved, one transaction.
   */
  private static void load(AuditLog audit, long size) {
    SplittableRandom random = new SplittableRandom(7);
    for (long done = 0; done < size; ) {
      int n = (int) Math.min(20_000, size - done);
      List<AuditRecord> records = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        records.add(record(random));
      }
      audit.appendSealed(records);
      done += n;
    }
  }

  // ---- reporting and databases ----

  private static void report(String what, String subject, double rate, String baseline, double baseRate, String unit) {
    System.out.printf(Locale.ROOT, "%s: %s %,.0f %s; %s %,.0f %s; ratio %.2f%n", what, subject, rate, unit, baseline, baseRate, unit, rate / baseRate);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** A fresh database: an H2 file in a temporary directory, or a fresh PostgreSQL schema dropped on close. */
  private record Db(String url, String user, String adminUrl, String schema, Path dir) implements AutoCloseable {
    static Db fresh(String database, String name) throws Exception {
      if (database.equals("postgresql")) {
        String base = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
        String user = System.getenv().getOrDefault("PLENARY_BENCH_PG_USER", "postgres");
        String schema = name + "_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(base, user, ""); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
          s.execute("CREATE SCHEMA " + schema);
        }
        return new Db(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema, user, base, schema, null);
      }
      Path dir = Files.createTempDirectory(name);
      return new Db("jdbc:h2:file:" + dir.resolve("plenary") + ";WRITE_DELAY=0", "sa", null, null, dir);
    }

    @Override
    public void close() throws Exception {
      deleteTree(dir);
      if (schema != null) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, ""); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    }
  }
}
