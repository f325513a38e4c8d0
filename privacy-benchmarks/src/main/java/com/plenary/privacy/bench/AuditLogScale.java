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
import org.postgresql.PGStatement;
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
 *       by the check's own statement, as it reads them, and computing one SHA-256 an entry over the bytes
 *       read that its chain hash covers (checked once, outside the timing, against the database's count
 *       of the bytes of those columns); after two warm-up passes of each, {@code rounds} rounds of both,
 *       alternating, each round's ratio printed and the median reported;</li>
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
 * [h2|postgresql] [appends] [batch] [proof-size] [proofs] [rounds]} (defaults {@code h2 1000000 1000 10000000 1000 5}).
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
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 5;
    if (!database.equals("h2") && !database.equals("postgresql") || appends < batch || batch < 1 || proofSize < 2 || proofs < 1 || rounds < 1) {
      System.err.println("usage: AuditLogScale [h2|postgresql] [appends >= batch] [batch >= 1] [proof-size >= 2] [proofs >= 1] [verification rounds >= 1]");
      System.exit(2);
    }
    System.out.printf(Locale.ROOT, "audit log on %s: %,d appends in batches of %,d; inclusion proofs at %,d entries%n", database, appends, batch, proofSize);
    try (Db main = Db.fresh(database, "audit_bench")) {
      appendsAndVerification(main, appends, batch, rounds);
    }
    try (Db big = Db.fresh(database, "audit_bench_proofs")) {
      proofs(big, proofSize, proofs);
    }
  }

  // ---- appends and verification ----

  private static void appendsAndVerification(Db db, int appends, int batch, int rounds) throws Exception {
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
      // the baseline reads what the check reads and hashes every byte of it but the stored hash: checked once, outside the timing
      long expectedBytes = readBytes(plain, pg, entries);
      Hashed check = rawHashing(plain, pg);
      if (check.entries() != entries || check.bytes() != expectedBytes) {
        throw new IllegalStateException("the raw pass read " + check.entries() + " entries and hashed " + check.bytes() + " bytes, not the " + entries
            + " entries and " + expectedBytes + " bytes of the columns the check reads");
      }
      for (int i = 0; i < 2; i++) { // warm-up of both
        rawHashing(plain, pg);
        audit.verify();
      }
      double[] raw = new double[rounds];
      double[] verified = new double[rounds];
      double[] ratios = new double[rounds];
      StringBuilder perRound = new StringBuilder();
      for (int r = 0; r < rounds; r++) { // alternating, so that both see the same machine
        t0 = System.nanoTime();
        long hashed = rawHashing(plain, pg).entries();
        raw[r] = hashed / seconds(t0);
        t0 = System.nanoTime();
        AuditLog.Verification v = audit.verify();
        verified[r] = v.entries() / seconds(t0);
        if (!v.intact() || v.entries() != entries || hashed != entries) {
          throw new IllegalStateException("the log of " + entries + " entries did not verify: " + v.detail() + " (raw pass read " + hashed + ")");
        }
        ratios[r] = verified[r] / raw[r];
        perRound.append(r == 0 ? "" : " · ").append(String.format(Locale.ROOT, "%.2f", ratios[r]));
      }
      System.out.printf(Locale.ROOT, "verification: %d rounds of %,d entries (%.0f bytes an entry hashed by the baseline); ratio per round %s%n", rounds,
          entries, (double) expectedBytes / entries, perRound);
      report("verification (median of the rounds)", "AuditLog.verify (chain, tree, checkpoints)", median(verified),
          "the same statement read + one SHA-256 per entry over the bytes it reads", median(raw), "entries/s");
      System.out.printf(Locale.ROOT, "verification: median ratio %.2f%n", median(ratios));
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

  /** The statement {@code AuditLog.verify} reads the log with: the same columns in the same order, up to the head's entry. */
  private static final String WALK = "SELECT seq, prev_hash, hash, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, "
      + "request_id FROM audit_log_entry WHERE seq IS NOT NULL AND seq <= ? ORDER BY seq";

  /** How many entries a raw pass read and how many bytes it hashed. */
  private record Hashed(long entries, long bytes) {}

  /**
   * Reads the log as {@code AuditLog.verify} reads it — its statement, fetch size and transaction, on PostgreSQL the time
   * printed in UTC, the statement never prepared on the server (so the time comes as text on every pass) and the texts
   * taken as the driver's bytes ({@code getBytes}), on H2 as strings — and computes one SHA-256 an entry over the bytes
   * read that the check's chain hash covers: the number, the time, the content columns and the link, 0x1F between them;
   * the stored hash is read, as the check reads it to compare it, not hashed. One thread.
   */
  private static Hashed rawHashing(Connection c, boolean pg) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long n = 0;
    long bytes = 0;
    byte[] sink = new byte[32];
    byte[] digest = new byte[32];
    long head;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT seq FROM audit_head WHERE id = 1")) {
      rs.next();
      head = rs.getLong(1);
    }
    if (pg) {
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL TIME ZONE 'UTC'");
      }
    }
    try (PreparedStatement ps = c.prepareStatement(WALK)) {
      ps.setFetchSize(10_000); // PostgreSQL streams only inside a transaction, as here (autocommit off)
      ps.setLong(1, head);
      if (pg) { // as the check: never prepared on the server, so the time always comes as text
        ps.unwrap(PGStatement.class).setPrepareThreshold(0);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] number = Long.toString(rs.getLong(1)).getBytes(StandardCharsets.US_ASCII);
          sha.update(number);
          bytes += number.length;
          for (int col : new int[] {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 2}) { // the time, the content, then the link
            byte[] v = pg ? rs.getBytes(col) : utf8(rs.getString(col));
            sha.update((byte) 0x1f);
            bytes++;
            if (v != null) {
              sha.update(v);
              bytes += v.length;
            }
          }
          byte[] stored = pg ? rs.getBytes(3) : utf8(rs.getString(3));
          sha.digest(digest, 0, 32);
          sink[(int) (n & 31)] ^= (byte) (digest[0] ^ (stored == null ? 0 : stored[0]));
          n++;
        }
      }
    }
    c.commit();
    if (sink.length != 32) {
      throw new AssertionError();
    }
    return new Hashed(n, bytes);
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * How many bytes {@link #rawHashing} must hash over the first {@code entries} entries, counted by the database from the
   * same columns as text (the time in UTC, as the check reads it): every byte of every column read but the stored hash,
   * and a separator between columns.
   */
  private static long readBytes(Connection c, boolean pg, long entries) throws Exception {
    if (pg) {
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL TIME ZONE 'UTC'");
      }
    }
    String text = pg ? "text" : "VARCHAR";
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), SUM(OCTET_LENGTH(CAST(seq AS " + text + ")) + OCTET_LENGTH(CAST(at AS " + text + ")) "
        + "+ OCTET_LENGTH(actor_kind) + OCTET_LENGTH(actor_id) + OCTET_LENGTH(action) + OCTET_LENGTH(purpose) + COALESCE(OCTET_LENGTH(subject_id), 0) "
        + "+ OCTET_LENGTH(categories) + OCTET_LENGTH(effect) + OCTET_LENGTH(rules) + OCTET_LENGTH(clauses) + COALESCE(OCTET_LENGTH(request_id), 0) "
        + "+ COALESCE(OCTET_LENGTH(prev_hash), 0) + 12) FROM audit_log_entry WHERE seq IS NOT NULL AND seq <= ?")) {
      ps.setLong(1, entries);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) != entries) {
          throw new IllegalStateException("the log holds " + rs.getLong(1) + " sealed entries up to " + entries);
        }
        long bytes = rs.getLong(2);
        c.commit();
        return bytes;
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
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
