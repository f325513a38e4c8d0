package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.audit.Checkpoint;
import com.plenary.privacy.audit.MerkleTree;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.testkit.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The verifiable audit log (C29) on a real database: the Merkle tree grows with every seal, its
 * proofs verify against the signed checkpoints, and random tampering with the audit rows — single
 * edits, deletions, insertions, reorderings, tail truncations, each done either crudely or by an
 * attacker who then rebuilds the chain and the tree in the database to match — is detected by the
 * local check every time, with no false alarm on the untouched log in between.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuditTamperContract {
  private static final int ENTRIES = 40;
  private static final String ZERO = "0".repeat(64);

  private final MutableClock clock = MutableClock.startingNow();
  private Store store;
  private Path dataDir;
  private Path keyDir;
  private Connection admin;

  /** The database: its JDBC URL and user. */
  abstract String url();

  abstract String user();

  /** How many random tamperings to try. */
  abstract int rounds();

  @BeforeAll
  void open() throws IOException, SQLException {
    store = Store.open(url(), user(), "", 4, clock);
    admin = DriverManager.getConnection(url(), user(), "");
    dataDir = Files.createTempDirectory("plenary-audit");
    keyDir = dataDir.resolve("keys");
    store.audit().keepCheckpoints(AuditCheckpoints.open(keyDir, dataDir));
  }

  @AfterAll
  void close() throws SQLException {
    admin.close();
    store.close();
  }

  private void append(int n, String tag) {
    Jdbi.create(url(), user(), "").useTransaction(h -> {
      for (int i = 0; i < n; i++) {
        clock.advance(Duration.ofMillis(1));
        store.audit().append(h, AuditRecord.recorded("staff", "st-" + tag + "-" + i, "read").purpose("provide").subject("s-" + i)
            .categories(List.of("user.contact")).requestId("rq-" + tag + i).build());
      }
    });
  }

  /**
   * Every proof of every entry at the sizes where a proof changes shape: every size up to 40 (the tiles
   * of 16 entries below the stored levels, and the first three above), every power of two up to the
   * log's size with its neighbours, and the last twenty sizes. The log is built once and the proofs
   * are asked for on one connection (a connection a proof made this test take minutes on PostgreSQL).
   */
  @Test
  void C29_aProofAtAnySizeReadsItsNodesInOneQueryAndVerifies() throws SQLException {
    append(37, "one-query");
    store.audit().seal();
    AtomicInteger statements = new AtomicInteger();
    try (Connection one = DriverManager.getConnection(url(), user(), "")) {
      Jdbi counting = Jdbi.create(one);
      counting.setSqlLogger(new SqlLogger() {
        @Override
        public void logAfterExecution(StatementContext context) {
          statements.incrementAndGet();
        }
      });
      AuditLog audit = new AuditLog(counting, clock);
      long size = audit.treeHead().size();
      List<byte[]> leaves = store.audit().sealedFrom(1, (int) size).stream().map(e -> MerkleTree.leafHash(AuditLog.leaf(e))).toList();
      for (long n : proofSizes(size)) {
        byte[] root = MerkleTree.root(leaves.subList(0, (int) n));
        for (long seq = 1; seq <= n; seq++) {
          statements.set(0);
          var p = audit.inclusionProof(seq, n);
          assertThat(statements.get()).as("the head's size, then every stored node at once and the entries of the tiles below at once").isBetween(2, 3);
          assertThat(p.root()).isEqualTo(root);
          assertThat(p.start()).isEqualTo(leaves.get((int) seq - 1));
          assertThat(MerkleTree.verifyInclusion(seq - 1, n, p.start(), p.hashes(), root)).as("entry %d of %d", seq, n).isTrue();
        }
        statements.set(0);
        var c = audit.consistencyProof(Math.max(1, n / 2), size);
        assertThat(statements.get()).isBetween(2, 3);
        assertThat(MerkleTree.verifyConsistency(Math.max(1, n / 2), size, c.hashes(), MerkleTree.root(leaves.subList(0, (int) Math.max(1, n / 2))),
            MerkleTree.root(leaves))).isTrue();
      }
    }
  }

  /** The sizes {@link #C29_aProofAtAnySizeReadsItsNodesInOneQueryAndVerifies} checks, in a log of {@code size} entries. */
  static SortedSet<Long> proofSizes(long size) {
    SortedSet<Long> sizes = new TreeSet<>();
    for (long n = 1; n <= Math.min(size, 40); n++) {
      sizes.add(n);
    }
    for (long p = 1; p <= size; p *= 2) {
      for (long n = p - 1; n <= Math.min(size, p + 1); n++) {
        sizes.add(Math.max(1, n));
      }
    }
    for (long n = Math.max(1, size - 20); n <= size; n++) {
      sizes.add(n);
    }
    return sizes;
  }

  @Test
  void C29_entriesWrittenSealedInABatchJoinTheChainAndTheTreeAfterThoseWaitingForTheSealer() {
    append(5, "waiting");
    List<AuditRecord> batch = new ArrayList<>();
    for (int i = 0; i < 53; i++) {
      batch.add(AuditRecord.recorded("service", "bulk", "read").purpose("provide").subject("s-bulk-" + i).categories(List.of("user.contact"))
          .rules(List.of("service-declared-use")).clauses(List.of("C14")).requestId("rq-bulk-" + i).build());
    }
    long before = store.audit().treeHead().size();
    assertThat(store.audit().appendSealed(batch)).as("the five waiting, then the batch").isEqualTo(58);
    assertThat(store.audit().seal()).isZero();
    var head = store.audit().treeHead();
    assertThat(head.size()).isEqualTo(before + 58);
    var entries = store.audit().sealedFrom(1, (int) head.size());
    assertThat(entries.get(entries.size() - 1).subject()).isEqualTo("s-bulk-52");
    assertThat(entries.get((int) before).actorId()).startsWith("st-waiting");
    List<byte[]> leaves = entries.stream().map(e -> MerkleTree.leafHash(AuditLog.leaf(e))).toList();
    assertThat(head.root()).isEqualTo(MerkleTree.root(leaves));
    for (long seq = 1; seq <= head.size(); seq++) {
      var p = store.audit().inclusionProof(seq, head.size());
      assertThat(MerkleTree.verifyInclusion(seq - 1, head.size(), p.start(), p.hashes(), head.root())).as("entry %d", seq).isTrue();
    }
    assertThat(store.audit().verify().intact()).isTrue();
  }

  @Test
  void C29_aBatchAppendedInTheOperationsTransactionIsWrittenAtOnceAndSealedIntoTheChainAndTheTree() {
    store.audit().seal();
    long before = store.audit().treeHead().size();
    List<AuditRecord> batch = new ArrayList<>();
    List<String> subjects = new ArrayList<>();
    for (int i = 0; i < 120; i++) { // past the 16 rows from which PostgreSQL gets a COPY, and over a full multi-row insert and a shorter one on H2
      clock.advance(Duration.ofMillis(1));
      subjects.add("s-batch-" + i);
      batch.add(AuditRecord.recorded("service", "batch", "read").purpose("provide").subject("s-batch-" + i).categories(List.of("user.contact", "user.name"))
          .rules(List.of("service-declared-use")).clauses(List.of("C14")).requestId(i % 2 == 0 ? null : "rq-batch-" + i).build());
    }
    Jdbi.create(url(), user(), "").useTransaction(h -> store.audit().append(h, batch));
    assertThat(store.audit().seal()).as("every entry of the batch, in one seal").isEqualTo(120);
    var head = store.audit().treeHead();
    assertThat(head.size()).isEqualTo(before + 120);
    var entries = store.audit().sealedFrom(1, (int) head.size());
    assertThat(entries.subList((int) before, entries.size())).extracting(AuditLog.Entry::subject).containsExactlyInAnyOrderElementsOf(subjects);
    assertThat(entries.get(entries.size() - 1).categories()).containsExactly("user.contact", "user.name");
    assertThat(head.root()).isEqualTo(MerkleTree.root(entries.stream().map(e -> MerkleTree.leafHash(AuditLog.leaf(e))).toList()));
    for (long seq = before + 1; seq <= head.size(); seq += 7) {
      var p = store.audit().inclusionProof(seq, head.size());
      assertThat(MerkleTree.verifyInclusion(seq - 1, head.size(), p.start(), p.hashes(), head.root())).as("entry %d", seq).isTrue();
    }
    var v = store.audit().verify();
    assertThat(v.intact()).as(v.detail()).isTrue();
    assertThat(v.entries()).isEqualTo(head.size());
  }

  @Test
  void C29_theTreeGrowsAtEverySealAndItsProofsVerifyAgainstTheSignedCheckpoints() {
    List<Checkpoint> seen = new ArrayList<>();
    for (int batch = 0; batch < 5; batch++) {
      append(3 + batch * 2, "grow" + batch);
      store.audit().seal();
      String note = store.audit().checkpoints().orElseThrow().latest().orElseThrow();
      seen.add(Checkpoint.parse(store.audit().checkpoints().orElseThrow().verifier().open(note)));
    }
    Checkpoint last = seen.get(seen.size() - 1);
    assertThat(store.audit().treeHead().root()).isEqualTo(last.root());
    for (long seq = 1; seq <= last.size(); seq++) {
      var p = store.audit().inclusionProof(seq, last.size());
      assertThat(MerkleTree.verifyInclusion(seq - 1, last.size(), p.start(), p.hashes(), last.root())).as("entry %d", seq).isTrue();
    }
    var entries = store.audit().sealedFrom(1, (int) last.size());
    assertThat(entries).hasSize((int) last.size());
    assertThat(MerkleTree.root(entries.stream().map(e -> MerkleTree.leafHash(AuditLog.leaf(e))).toList())).isEqualTo(last.root());
    for (Checkpoint older : seen) {
      var p = store.audit().consistencyProof(older.size(), last.size());
      assertThat(MerkleTree.verifyConsistency(older.size(), last.size(), p.hashes(), older.root(), last.root())).isTrue();
    }
    assertThat(store.audit().verify().intact()).isTrue();
  }

  @Test
  void C29_entriesSealedBeforeTheTreeExistedJoinItAtTheNextSeal() {
    append(7, "old");
    store.audit().seal();
    sql("DELETE FROM audit_tree_node", "UPDATE audit_head SET tree_size = 0");
    assertThat(store.audit().seal()).isZero();
    var v = store.audit().verify();
    assertThat(v.intact()).as(v.detail()).isTrue();
    assertThat(store.audit().treeHead().size()).isEqualTo(v.entries());
  }

  @Test
  void C29_everyRandomTamperingWithTheAuditRowsIsDetected() throws IOException {
    append(ENTRIES, "tamper");
    store.audit().seal();
    var baseline = store.audit().verify();
    assertThat(baseline.intact()).as(baseline.detail()).isTrue();
    long n = baseline.entries();
    Path checkpointFile = dataDir.resolve(AuditCheckpoints.LOG_FILE);
    Path savedCheckpoints = Files.createTempFile(dataDir, "saved", ".log");
    Files.copy(checkpointFile, savedCheckpoints, StandardCopyOption.REPLACE_EXISTING);
    sql("CREATE TABLE audit_entry_saved AS SELECT * FROM audit_log_entry", "CREATE TABLE audit_node_saved AS SELECT * FROM audit_tree_node",
        "CREATE TABLE audit_head_saved AS SELECT * FROM audit_head", "CREATE TABLE audit_checkpoint_saved AS SELECT * FROM audit_checkpoint");
    long seed = Long.getLong("tamper.seed", System.nanoTime());
    Random random = new Random(seed);
    List<String> undetected = new ArrayList<>();
    int[] kinds = new int[5];
    for (int round = 0; round < rounds(); round++) {
      int kind = random.nextInt(5);
      boolean rebuilt = random.nextBoolean();
      kinds[kind]++;
      String what = tamper(kind, rebuilt, n, random);
      var v = store.audit().verify();
      if (v.intact()) {
        undetected.add("round " + round + ": " + what);
      }
      // back to the untouched log, which must still verify: no false alarm
      sql("DELETE FROM audit_log_entry", "INSERT INTO audit_log_entry SELECT * FROM audit_entry_saved", "DELETE FROM audit_tree_node",
          "INSERT INTO audit_tree_node SELECT * FROM audit_node_saved", "DELETE FROM audit_head", "INSERT INTO audit_head SELECT * FROM audit_head_saved",
          // the rebuilding seal (the test's stand-in for an attacker's tools) signed into the database too
          "DELETE FROM audit_checkpoint", "INSERT INTO audit_checkpoint SELECT * FROM audit_checkpoint_saved");
      Files.copy(savedCheckpoints, checkpointFile, StandardCopyOption.REPLACE_EXISTING);
      store.audit().keepCheckpoints(AuditCheckpoints.open(keyDir, dataDir));
      if (round % 50 == 0) {
        var clean = store.audit().verify();
        assertThat(clean.intact()).as("the untouched log after round %d: %s", round, clean.detail()).isTrue();
      }
    }
    System.out.println("AuditTamperContract: " + rounds() + " tamperings (edit, delete, insert, reorder, truncate: " + kinds[0] + ", " + kinds[1] + ", "
        + kinds[2] + ", " + kinds[3] + ", " + kinds[4] + "), seed " + seed);
    assertThat(undetected).as("tamperings the check missed (seed %d)", seed).isEmpty();
  }

  private static final String[] COLUMNS = {"actor_id", "action", "purpose", "subject_id", "categories", "effect", "rules", "clauses", "request_id"};

  /** One random tampering of a sealed log of {@code n} entries; returns what it did. */
  private String tamper(int kind, boolean rebuilt, long n, Random random) {
    long seq = 1 + random.nextInt((int) n - 1); // a checkpointed entry (the last one too, for edits below)
    String how = rebuilt ? " and the chain and tree rebuilt" : "";
    switch (kind) {
      case 0 -> {
        long target = 1 + random.nextInt((int) n);
        String column = COLUMNS[random.nextInt(COLUMNS.length)];
        sql("UPDATE audit_log_entry SET " + column + " = " + (column.equals("effect") ? "'deny'" : "'x" + random.nextInt(1000) + "'") + " WHERE seq = " + target);
        if (random.nextInt(4) == 0) {
          sql("UPDATE audit_log_entry SET at = at + INTERVAL '1' SECOND WHERE seq = " + target);
        }
        rebuildIf(rebuilt);
        return "edited " + column + " of entry " + target + how;
      }
      case 1 -> {
        sql("DELETE FROM audit_log_entry WHERE seq = " + seq);
        rebuildIf(rebuilt);
        return "deleted entry " + seq + how;
      }
      case 2 -> {
        if (rebuilt) {
          sql("INSERT INTO audit_log_entry (entry_id, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id) "
              + "SELECT 'a-forged-" + random.nextInt() + "', at, actor_kind, 'st-forged', action, purpose, subject_id, categories, effect, rules, clauses, request_id "
              + "FROM audit_log_entry WHERE seq = " + seq);
          rebuildIf(true);
        } else {
          sql("UPDATE audit_log_entry SET seq = -seq WHERE seq >= " + seq, "UPDATE audit_log_entry SET seq = 1 - seq WHERE seq < 0",
              "INSERT INTO audit_log_entry (entry_id, seq, at, actor_kind, actor_id, action, purpose, subject_id, categories, effect, rules, clauses, request_id, prev_hash, hash) "
                  + "SELECT 'a-forged', " + seq + ", at, actor_kind, 'st-forged', action, purpose, subject_id, categories, effect, rules, clauses, request_id, prev_hash, hash "
                  + "FROM audit_log_entry WHERE seq = " + (seq + 1),
              "UPDATE audit_head SET seq = seq + 1, tree_size = tree_size + 1");
        }
        return "inserted an entry at " + seq + how;
      }
      case 3 -> {
        long other = seq + 1 + random.nextInt((int) (n - seq));
        if (rebuilt) {
          sql("UPDATE audit_log_entry SET at = (SELECT at FROM audit_log_entry WHERE seq = " + other + ") + INTERVAL '1' SECOND WHERE seq = " + seq);
          rebuildIf(true);
        } else {
          sql("UPDATE audit_log_entry SET seq = -1 WHERE seq = " + seq, "UPDATE audit_log_entry SET seq = " + seq + " WHERE seq = " + other,
              "UPDATE audit_log_entry SET seq = " + other + " WHERE seq = -1");
        }
        return "moved entry " + seq + " after entry " + other + how;
      }
      default -> {
        long keep = n - 1 - random.nextInt((int) Math.min(n - 1, 10));
        sql("DELETE FROM audit_log_entry WHERE seq > " + keep);
        if (rebuilt) {
          rebuildIf(true);
        } else {
          sql("UPDATE audit_head SET seq = " + keep + ", tree_size = " + keep + ", hash = (SELECT hash FROM audit_log_entry WHERE seq = " + keep + ")");
        }
        return "cut the log to " + keep + " entries" + how;
      }
    }
  }

  /** What someone who can write to the database does to hide a change: forgets the chain and the tree and has the store seal again. */
  private void rebuildIf(boolean rebuilt) {
    if (rebuilt) {
      sql("UPDATE audit_log_entry SET seq = NULL, prev_hash = NULL, hash = NULL", "DELETE FROM audit_tree_node",
          "UPDATE audit_head SET seq = 0, hash = '" + ZERO + "', tree_size = 0");
      store.audit().seal();
    }
  }

  /** Runs {@code statements} on the test's own connection (one for the class: a connection a tampering cost more than the check on PostgreSQL). */
  private void sql(String... statements) {
    try (Statement s = admin.createStatement()) {
      for (String sql : statements) {
        s.executeUpdate(sql);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
