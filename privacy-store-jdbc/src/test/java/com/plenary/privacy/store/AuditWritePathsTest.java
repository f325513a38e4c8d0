package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.audit.MerkleTree;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.testkit.Postgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The audit log's write paths give one and the same log (C29): the same entries, written in the same
 * batches at the same times, by binary COPY on PostgreSQL (batches of 16 entries and more, with the
 * seal's reads and writes in one round trip each) and by inserts (H2, and the smaller batches on
 * PostgreSQL), sealed in bulk ({@link AuditLog#appendSealed}) or written by the audited operation and
 * sealed after ({@link AuditLog#append(org.jdbi.v3.core.Handle, List)}, then {@link AuditLog#seal}),
 * end with the same entries as stored, the same chain hashes, the same Merkle root and the same signed
 * checkpoints, byte for byte, and each verifies.
 */
class AuditWritePathsTest {
  /** Batches on both sides of the COPY threshold (16), one of a single entry, and a tile's edge crossed in every way. */
  private static final int[] BATCHES = {40, 3, 1, 17, 15, 16, 24, 1_000, 2, 31};

  @Test
  void C29_theSameEntriesWrittenByCopyOrByInsertsGiveTheSameChainTreeAndSignedCheckpoints() throws Exception {
    Path dir = Files.createTempDirectory("plenary-audit-paths");
    Path keys = dir.resolve("keys");
    try (Postgres bulkPg = Postgres.freshSchema(); Postgres operationPg = Postgres.freshSchema()) {
      Written copyBulk = write(bulkPg.url(), bulkPg.user(), keys, dir.resolve("pg-bulk"), true);
      Written insertBulk = write("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", keys, dir.resolve("h2-bulk"), true);
      Written copyOperation = write(operationPg.url(), operationPg.user(), keys, dir.resolve("pg-operation"), false);
      Written insertOperation = write("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", keys, dir.resolve("h2-operation"), false);

      int total = 0;
      for (int b : BATCHES) {
        total += b;
      }
      assertThat(copyBulk.leaves()).hasSize(total);
      assertThat(copyBulk.checkpoints()).hasSize(BATCHES.length);
      // every stored time differs from the one before: the times' encodings are exercised, not one value
      assertThat(copyBulk.leaves().stream().map(l -> new String(l, StandardCharsets.UTF_8).split("\u001f")[1]).distinct()).hasSize(total);
      for (Written other : List.of(insertBulk, copyOperation, insertOperation)) {
        assertThat(other.leaves()).as("entries as stored").containsExactlyElementsOf(copyBulk.leaves());
        assertThat(other.hashes()).as("chain hashes").containsExactlyElementsOf(copyBulk.hashes());
        assertThat(other.root()).as("the stored tree's root").isEqualTo(copyBulk.root());
        assertThat(other.checkpoints()).as("the signed checkpoints, in the database and in the file").containsExactlyElementsOf(copyBulk.checkpoints());
      }
      assertThat(copyBulk.root()).as("the root recomputed from the entries as read back").isEqualTo(MerkleTree.root(copyBulk.leaves().stream()
          .map(MerkleTree::leafHash).toList()));
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  /**
   * On PostgreSQL a seal reads the frontier of the tree as its own log last left it together with the head; when another node
   * sealed meanwhile that guess is wrong and the frontier is read again: two nodes sealing in turn, by COPY and by inserts,
   * keep one chain and one tree, each checkpoint signed over the root of the entries as stored.
   */
  @Test
  void C29_twoNodesSealingInTurnOnPostgresqlKeepOneChainAndOneTree() throws Exception {
    Path dir = Files.createTempDirectory("plenary-audit-nodes");
    try (Postgres pg = Postgres.freshSchema(); Store one = Store.open(pg.url(), pg.user(), "", 2, Clock.systemUTC());
        Store two = Store.open(pg.url(), pg.user(), "", 2, Clock.systemUTC())) {
      one.audit().keepCheckpoints(AuditCheckpoints.open(dir.resolve("keys"), Files.createDirectories(dir.resolve("one"))));
      two.audit().keepCheckpoints(AuditCheckpoints.open(dir.resolve("keys"), Files.createDirectories(dir.resolve("two"))));
      int n = 0;
      for (int round = 0; round < BATCHES.length; round++) {
        List<AuditRecord> records = new ArrayList<>();
        for (int i = 0; i < BATCHES[round]; i++, n++) {
          records.add(AuditRecord.recorded("service", "mail", "read").purpose("provide").subject("s-" + n).categories(List.of("user.contact")).build());
        }
        AuditLog by = (round % 3 == 2 ? one : two).audit(); // now the same node twice, now the other
        assertThat(by.appendSealed(records)).isEqualTo(records.size());
        List<byte[]> leaves = by.sealedFrom(1, n).stream().map(e -> MerkleTree.leafHash(AuditLog.leaf(e))).toList();
        assertThat(by.treeHead().size()).isEqualTo(n);
        assertThat(by.treeHead().root()).as("after %d entries", n).isEqualTo(MerkleTree.root(leaves));
      }
      for (Store s : List.of(one, two)) {
        var verified = s.audit().verify();
        assertThat(verified.intact()).as(verified.detail()).isTrue();
        assertThat(verified.entries()).isEqualTo(n);
      }
      assertThat(one.audit().sharedCheckpoints()).hasSize(BATCHES.length);
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  /** The entries as read back (leaf bytes), their chain hashes, the stored root and the checkpoints signed. */
  private record Written(List<byte[]> leaves, List<String> hashes, byte[] root, List<String> checkpoints) {}

  /** Writes the batches into a fresh log at {@code url}: in bulk, or in an operation's transaction and then sealed; verified and read back. */
  private static Written write(String url, String user, Path keys, Path data, boolean bulk) throws Exception {
    Files.createDirectories(data);
    Ticking clock = new Ticking();
    try (Store store = Store.open(url, user, "", 2, clock)) {
      AuditLog audit = store.audit();
      audit.keepCheckpoints(AuditCheckpoints.open(keys, data));
      clock.start(); // whatever opening the store read, the log's readings begin here on every path
      Jdbi jdbi = Jdbi.create(url, user, "");
      int n = 0;
      for (int batch : BATCHES) {
        List<AuditRecord> records = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++, n++) {
          records.add(AuditRecord.recorded(n % 2 == 0 ? "service" : "staff", "actor-" + n % 7, n % 3 == 0 ? "read" : "write").purpose("provide")
              .subject(n % 5 == 0 ? null : "s-" + n).categories(List.of("user.contact", "user.name").subList(0, 1 + n % 2))
              .rules(List.of("rule-" + n % 4)).clauses(List.of("C14", "C29")).requestId(n % 3 == 0 ? null : "rq-é-" + n).build());
        }
        if (bulk) {
          assertThat(audit.appendSealed(records)).isEqualTo(batch);
        } else {
          jdbi.useTransaction(h -> audit.append(h, records));
          assertThat(audit.seal()).isEqualTo(batch);
        }
      }
      var verified = audit.verify();
      assertThat(verified.intact()).as(verified.detail()).isTrue();
      assertThat(verified.entries()).isEqualTo(n);
      List<AuditLog.Entry> entries = audit.sealedFrom(1, n);
      assertThat(audit.checkpoints().orElseThrow().notes()).isEqualTo(audit.sharedCheckpoints());
      return new Written(entries.stream().map(AuditLog::leaf).toList(), entries.stream().map(AuditLog.Entry::hash).toList(), audit.treeHead().root(),
          audit.sharedCheckpoints());
    }
  }

  /**
   * A clock that moves on at every reading, by steps of every shape (whole seconds, milliseconds, microseconds and
   * nanoseconds below a microsecond, which the log drops): the same readings in the same order on every path.
   */
  private static final class Ticking extends Clock {
    private Instant now = Instant.parse("2026-12-03T20:00:00Z");
    private long reads;

    synchronized void start() {
      now = Instant.parse("2026-12-03T20:00:00Z");
      reads = 0;
    }

    @Override
    public synchronized Instant instant() {
      reads++;
      now = now.plusNanos(switch ((int) (reads % 4)) {
        case 0 -> 1_000_000_000L;
        case 1 -> 1_000_000L + 789;
        case 2 -> 123_456_000L;
        default -> 1_001L;
      });
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("a test clock in UTC");
    }
  }
}
