package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.testkit.MutableClock;
import com.plenary.privacy.testkit.Postgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verification's walk: the database's time texts rewritten as {@link Instant#toString} prints them,
 * and a log of several chunks (each a complete subtree of 2^11 entries) with checkpoints signed inside
 * chunks, at their edges and beside them, checked on H2 and PostgreSQL — intact, then with an entry
 * altered in the second chunk, then rewritten and rebuilt under a checkpoint inside that chunk.
 */
class AuditWalkTest {
  /** Batch sizes whose ends are the checkpoints: inside the first chunk, at its edge ±1, inside the second, at its end, inside the partial third. */
  private static final int[] BATCHES = {1_000, 1_047, 1, 1, 951, 1_096, 300};
  private static final Duration[] ADVANCES = {Duration.ofNanos(1_000), Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofNanos(123_400_000),
      Duration.ofNanos(120_000), Duration.ofNanos(999_999_000), Duration.ofNanos(7_000)};

  @Test
  void C29_theDatabasesUtcTimeTextsAreRewrittenAsTheEntriesHashedFormWithoutParsing() {
    SplittableRandom random = new SplittableRandom(29);
    for (int i = 0; i < 5_000; i++) {
      long second = random.nextLong(Instant.parse("1000-01-01T00:00:00Z").getEpochSecond(), Instant.parse("9999-12-31T23:59:59Z").getEpochSecond());
      int nanos = switch (i % 5) {
        case 0 -> 0;
        case 1 -> random.nextInt(1_000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        case 3 -> random.nextInt(10) * 100_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant at = Instant.ofEpochSecond(second, nanos);
      assertThat(rewritten(databaseText(at))).as("%s printed as %s", at, databaseText(at)).isEqualTo(at.toString());
    }
    assertThat(rewritten("2026-12-03 16:49:18+00")).isEqualTo("2026-12-03T16:49:18Z");
    assertThat(rewritten("2026-12-03 16:49:18.1+00")).isEqualTo("2026-12-03T16:49:18.100Z");
    assertThat(rewritten("2026-12-03 16:49:18.1234+00")).isEqualTo("2026-12-03T16:49:18.123400Z");
    assertThat(rewritten("2026-12-03 16:49:18.000+00")).as("a zero fraction is not printed").isEqualTo("2026-12-03T16:49:18Z");
    assertThat(rewritten("2026-12-03 16:49:18.120000+00")).isEqualTo("2026-12-03T16:49:18.120Z");
  }

  @Test
  void C29_everyOtherTimeTextShapeIsLeftToTheParserSoNoEntryIsHashedWrongly() {
    for (String other : List.of("2026-12-03 16:49:18.1234+01", "2026-12-03 16:49:18+05:30", "2026-12-03 16:49:18-00", "0001-12-03 16:49:18+00 BC",
        "12026-12-03 16:49:18+00", "2026-12-03T16:49:18+00", "2026-12-03 16:49:18.+00", "2026-12-03 16:49:18.1234567890+00", "2026-1a-03 16:49:18+00",
        "2026-12-03 16:49:18", "")) {
      byte[] in = other.getBytes(StandardCharsets.US_ASCII);
      assertThat(AuditWalk.isoInstant(in, in.length, new byte[64], 0)).as(other).isEqualTo(-1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void C29_aLogOfSeveralChunksVerifiesAndAnEditOrARewriteInsideAChunkIsFound(String database) throws Exception {
    Postgres pg = database.equals("postgresql") ? Postgres.freshSchema() : null;
    String url = pg != null ? pg.url() : "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    String user = pg != null ? pg.user() : "sa";
    Path dataDir = Files.createTempDirectory("plenary-audit-walk");
    MutableClock clock = MutableClock.startingNow();
    try (Store store = Store.open(url, user, "", 4, clock); Connection admin = DriverManager.getConnection(url, user, "")) {
      AuditLog audit = store.audit();
      audit.keepCheckpoints(AuditCheckpoints.open(dataDir.resolve("keys"), dataDir));
      Jdbi jdbi = Jdbi.create(url, user, "");
      int written = 0;
      List<Long> sizes = new ArrayList<>();
      for (int batch : BATCHES) {
        int from = written;
        List<AuditRecord> records = new ArrayList<>(batch);
        for (int i = from; i < from + batch; i++) {
          records.add(AuditRecord.recorded("service", "mail", "read").purpose("provide").subject("s-" + i).categories(List.of("user.contact"))
              .requestId(i % 3 == 0 ? null : "rq-é-" + i).build());
        }
        clock.advance(ADVANCES[sizes.size()]); // a batch's entries are written at one time: times of every fraction's shape
        jdbi.useTransaction(h -> audit.append(h, records));
        audit.seal(); // numbered, chained, added to the tree, a checkpoint signed
        written += batch;
        sizes.add((long) written);
      }
      assertThat(sizes).containsExactly(1_000L, 2_047L, 2_048L, 2_049L, 3_000L, 4_096L, 4_396L);
      // a seal signs once: the note in the database's sequence is the one appended to the file, and it carries its time
      assertThat(audit.checkpoints().orElseThrow().notes()).hasSize(BATCHES.length).isEqualTo(audit.sharedCheckpoints());
      try (Statement s = admin.createStatement(); var rs = s.executeQuery("SELECT COUNT(*) FROM audit_checkpoint WHERE signed_at IS NOT NULL")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(BATCHES.length);
      }
      var intact = audit.verify();
      assertThat(intact.intact()).as(intact.detail()).isTrue();
      assertThat(intact.entries()).isEqualTo(written);
      assertThat(intact.detail()).contains("Merkle root matches " + 2 * BATCHES.length + " signed checkpoints");

      if (pg == null) { // H2 keeps a time's offset: the same instants printed in another one take the parser's path and still verify
        sql(admin, "UPDATE audit_log_entry SET at = at AT TIME ZONE '+02:00' WHERE MOD(seq, 3) = 0");
        var otherOffset = audit.verify();
        assertThat(otherOffset.intact()).as(otherOffset.detail()).isTrue();
      }

      sql(admin, "UPDATE audit_log_entry SET actor_id = 'st-x' WHERE seq = 2500");
      var edited = audit.verify();
      assertThat(edited.intact()).isFalse();
      assertThat(edited.firstBrokenSeq()).isEqualTo(2_500);
      assertThat(edited.detail()).isEqualTo("entry 2500 was altered after it was written");

      // rebuilt to match: the chain and the tree are whole again, but the checkpoint at 3,000 (inside the second chunk) signed another tree
      sql(admin, "UPDATE audit_log_entry SET seq = NULL, prev_hash = NULL, hash = NULL", "DELETE FROM audit_tree_node",
          "UPDATE audit_head SET seq = 0, hash = '" + "0".repeat(64) + "', tree_size = 0");
      var rewritten = audit.verify();
      assertThat(rewritten.intact()).isFalse();
      assertThat(rewritten.firstBrokenSeq()).isEqualTo(3_000);
      assertThat(rewritten.detail()).contains("checkpoint at size 3000", "history was rewritten");
    } finally {
      try (var files = Files.walk(dataDir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
      if (pg != null) {
        pg.close();
      }
    }
  }

  private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  private static String rewritten(String text) {
    byte[] in = text.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[64];
    int end = AuditWalk.isoInstant(in, in.length, out, 3);
    assertThat(end).as(text).isPositive();
    return new String(out, 3, end - 3, StandardCharsets.US_ASCII);
  }

  /** A time as PostgreSQL and H2 print it in UTC: the fraction without its trailing zeros, none when zero. */
  private static String databaseText(Instant at) {
    StringBuilder s = new StringBuilder(TEXT.format(LocalDateTime.ofInstant(at, ZoneOffset.UTC)));
    if (at.getNano() != 0) {
      String fraction = Integer.toString(1_000_000_000 + at.getNano()).substring(1);
      int end = fraction.length();
      while (fraction.charAt(end - 1) == '0') {
        end--;
      }
      s.append('.').append(fraction, 0, end);
    }
    return s.append("+00").toString();
  }

  private static void sql(Connection c, String... statements) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.executeUpdate(sql);
      }
    }
  }
}
