package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.Postgres;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector's journal (C3, C7: nothing acknowledged is lost): a group is durable once appended,
 * reaches the table exactly once — through the applier, or through the replay at the next start
 * after a crash, partial or not — and reads wait for it. On an H2 file and on PostgreSQL.
 */
class CollectorJournalTest {
  @TempDir
  Path tmp;

  @Test
  void C3_onH2JournaledEventsReachTheTableOnceAndAreReadBack() throws Exception {
    try (Setup s = h2()) {
      journaledEventsReachTheTable(s);
    }
  }

  @Test
  void C3_onPostgresJournaledEventsReachTheTableOnceAndAreReadBack() throws Exception {
    try (Setup s = postgres()) {
      journaledEventsReachTheTable(s);
    }
  }

  @Test
  void C3_onH2EventsLeftInTheJournalByACrashAreReplayedExactlyOnce() throws Exception {
    try (Setup s = h2()) {
      crashReplaysExactlyOnce(s);
    }
  }

  @Test
  void C3_onPostgresEventsLeftInTheJournalByACrashAreReplayedExactlyOnce() throws Exception {
    try (Setup s = postgres()) {
      crashReplaysExactlyOnce(s);
    }
  }

  @Test
  void anUnfinishedWriteAtTheEndIsDroppedAndTheGroupsBeforeItAreReplayed() throws Exception {
    try (Setup s = h2()) {
      Path dir = tmp.resolve("journal");
      Set<String> ids = new HashSet<>();
      try (EventJournal j = stuck(dir)) {
        for (int g = 0; g < 3; g++) {
          j.append(rows(s.usage, "torn-" + g, 4, ids));
        }
        j.close(Duration.ofMillis(50));
      }
      List<Path> segments = EventJournal.segments(dir);
      assertThat(segments).hasSize(1);
      // a write that never finished: the header of a record and part of its body
      Files.write(segments.get(0), new byte[] {0, 0, 1, 0, 1, 2, 3, 4, 9, 9, 9}, StandardOpenOption.APPEND);
      assertThat(EventJournal.read(segments.get(0), true)).hasSize(3);

      assertThat(s.usage.recoverJournal(dir)).isTrue();
      assertThat(s.usage.countByRequestIds(ids)).isEqualTo(12);
      assertThat(EventJournal.segments(dir)).as("replayed segments are deleted").isEmpty();
    }
  }

  @Test
  void aDamagedRecordIsNotReadPastAndTheRecordsBeforeItAreKept() throws Exception {
    try (Setup s = h2()) {
      Path dir = tmp.resolve("journal");
      try (EventJournal j = stuck(dir)) {
        for (int g = 0; g < 3; g++) {
          j.append(rows(s.usage, "damaged-" + g, 2, new HashSet<>()));
        }
        j.close(Duration.ofMillis(50));
      }
      Path segment = EventJournal.segments(dir).get(0);
      byte[] bytes = Files.readAllBytes(segment);
      int second = 8 + ByteBuffer.wrap(bytes).getInt(0); // where the second record starts
      bytes[second + 20] ^= 0x55; // one flipped byte inside the second record
      Files.write(segment, bytes);
      assertThat(EventJournal.read(segment, true)).hasSize(1);
    }
  }

  @Test
  void aSecondProcessCannotTakeAJournalInUseAndRecoveryLeavesItToItsOwner() throws Exception {
    try (Setup s = h2()) {
      Path dir = tmp.resolve("journal");
      s.usage.startJournal(dir, false);
      try {
        assertThat(s.usage.recoverJournal(dir)).isTrue(); // the owner itself: nothing to do
        try (Setup other = h2()) {
          assertThatThrownBy(() -> other.usage.startJournal(dir, false)).isInstanceOf(StoreException.class)
              .hasMessageContaining("in use by another process");
          assertThat(other.usage.recoverJournal(dir)).isFalse();
        }
      } finally {
        s.usage.stopJournal(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void appendsWaitWhileTheStoreIsTooFarBehind() throws Exception {
    try (Setup s = h2()) {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger applied = new AtomicInteger();
      EventJournal j = EventJournal.open(tmp.resolve("journal"), false, 4, 0, (rows, seq) -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        applied.addAndGet(rows.size());
      }, () -> { }).orElseThrow();
      try {
        j.append(rows(s.usage, "lag-0", 4, new HashSet<>()));
        Thread late = new Thread(() -> j.append(rows(s.usage, "lag-1", 1, new HashSet<>())));
        late.start();
        late.join(500);
        assertThat(late.isAlive()).as("the append waits while 4 events are not yet in the store").isTrue();
        assertThat(j.lag()).isEqualTo(4);
        release.countDown();
        late.join(5_000);
        assertThat(late.isAlive()).isFalse();
        j.awaitApplied(Duration.ofSeconds(5));
        assertThat(applied.get()).isEqualTo(5);
        assertThat(j.lag()).isZero();
      } finally {
        j.close(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void theApplierGathersSmallGroupsIntoOneTransactionUnlessAReaderWaits() throws Exception {
    try (Setup s = h2()) {
      List<Integer> transactions = Collections.synchronizedList(new ArrayList<>());
      // a linger far longer than the test: only a waiting reader can make the applier go early
      EventJournal j = EventJournal.open(tmp.resolve("journal"), false, 1_000_000, Duration.ofMinutes(5), 0,
          (rows, seq) -> transactions.add(rows.size()), () -> { }).orElseThrow();
      try {
        for (int g = 0; g < 10; g++) {
          j.append(rows(s.usage, "small-" + g, 1, new HashSet<>()));
        }
        assertThat(j.lag()).as("no reader waits: the applier waits for more").isEqualTo(10);
        j.awaitApplied(Duration.ofSeconds(10));
        assertThat(transactions).as("the ten one-event groups in one transaction, as soon as a reader waited").containsExactly(10);
        j.append(rows(s.usage, "later", 2, new HashSet<>()));
        j.awaitApplied(Duration.ofSeconds(10));
        assertThat(transactions).containsExactly(10, 2);
      } finally {
        j.close(Duration.ofSeconds(5));
      }
    }
  }

  private void journaledEventsReachTheTable(Setup s) throws Exception {
    Path dir = tmp.resolve("journal");
    s.usage.startJournal(dir, true);
    Set<String> ids = new HashSet<>();
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        for (int g = 0; g < 25; g++) {
          s.usage.store(s.usage.prepare(events("live-" + thread + "-" + g, 4, ids)));
        }
      });
      w.start();
      writers.add(w);
    }
    for (Thread w : writers) {
      w.join();
    }
    // reads wait for the journal: everything acknowledged is visible at once
    assertThat(s.usage.countByRequestIds(ids)).isEqualTo(400);
    assertThat(s.usage.count()).isEqualTo(400);
    assertThat(Engineers.newest(s.domain, s.vault, 400)).allSatisfy(e -> assertThat(e.get("details").toString()).contains("https://shop.example/journal"));
    assertThat(s.usage.journalLag()).isZero();
    // each transaction into the table is audited with how many events it collected
    assertThat(s.store.audit().recent(1_000, null).stream().filter(e -> e.action().equals("collect"))
        .flatMap(e -> e.rules().stream()).filter(r -> r.startsWith("collected:"))
        .mapToInt(r -> Integer.parseInt(r.substring("collected:".length()))).sum()).isEqualTo(400);
    s.usage.stopJournal(Duration.ofSeconds(5));
    assertThat(EventJournal.segments(dir)).as("a clean stop leaves no segment behind").isEmpty();
    // a later start has nothing to replay, and stores on from where it was
    s.usage.startJournal(dir, true);
    s.usage.store(s.usage.prepare(events("after-restart", 3, ids)));
    assertThat(s.usage.count()).isEqualTo(403);
    s.usage.stopJournal(Duration.ofSeconds(5));
  }

  private void crashReplaysExactlyOnce(Setup s) throws Exception {
    Path dir = tmp.resolve("journal");
    String id = UsageEvents.journalId(dir);
    s.usage.startJournal(dir, false); // registers the journal's row, as the server's first start does
    s.usage.stopJournal(Duration.ofSeconds(5));
    // the process "dies" after its first transaction into the table: later groups stay only in the journal
    AtomicInteger calls = new AtomicInteger();
    Set<String> ids = new HashSet<>();
    EventJournal j = EventJournal.open(dir, false, 1_000_000, 0, (rows, seq) -> {
      if (calls.getAndIncrement() > 0) {
        throw new IllegalStateException("the process is gone");
      }
      s.usage.applyJournaled(id, rows, seq);
    }, () -> { }).orElseThrow();
    j.append(rows(s.usage, "crash-0", 5, ids));
    j.awaitApplied(Duration.ofSeconds(10));
    for (int g = 1; g < 20; g++) {
      j.append(rows(s.usage, "crash-" + g, 5, ids));
    }
    j.close(Duration.ofMillis(300));
    assertThat(s.usage.count()).as("the first group reached the table before the crash, the others did not").isEqualTo(5);
    assertThat(EventJournal.segments(dir)).isNotEmpty();

    assertThat(s.usage.recoverJournal(dir)).isTrue();
    assertThat(s.usage.count()).as("every event once: replay skips what was applied").isEqualTo(100);
    assertThat(s.usage.countByRequestIds(ids)).isEqualTo(100);
    assertThat(EventJournal.segments(dir)).isEmpty();
    assertThat(s.usage.recoverJournal(dir)).isTrue();
    assertThat(s.usage.count()).as("a second recovery replays nothing").isEqualTo(100);
  }

  /** A journal whose store is unavailable: groups stay in it. */
  private static EventJournal stuck(Path dir) {
    return EventJournal.open(dir, false, 1_000_000, 0, (rows, seq) -> {
      throw new IllegalStateException("the store is unavailable");
    }, () -> { }).orElseThrow();
  }

  private static List<UsageEvents.Prepared> rows(UsageEvents usage, String request, int n, Set<String> ids) {
    return usage.prepare(events(request, n, ids));
  }

  private static List<UsageEvents.Event> events(String request, int n, Set<String> ids) {
    List<UsageEvents.Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = request + "-" + i;
      synchronized (ids) {
        ids.add(id);
      }
      out.add(UsageEvents.Event.builder(id).source("browser", "snippet").purpose("improve.analytics")
          .kind("pageview").browser("JJJJJJJJJJJJJJJJJJJJJJ").details(new LinkedHashMap<>(Map.of("page", "https://shop.example/journal", "ip", "192.0.2.0"))).build());
    }
    return out;
  }

  private Setup h2() throws Exception {
    String url = "jdbc:h2:file:" + tmp.resolve("db-" + UUID.randomUUID()).resolve("plenary") + ";WRITE_DELAY=0";
    return new Setup(url, "sa", null, tmp);
  }

  private Setup postgres() throws Exception {
    Postgres pg = Postgres.freshSchema();
    return new Setup(pg.url(), pg.user(), pg, tmp);
  }

  /** A store with its vault's usage events, and what to close. */
  private static final class Setup implements AutoCloseable {
    final Store store;
    final SubjectKeys keys;
    final UsageEvents usage;
    final Vault vault;
    final Domain domain;
    final Postgres pg;

    Setup(String url, String user, Postgres pg, Path tmp) throws Exception {
      this.pg = pg;
      this.store = Store.open(url, user, "", 4, Clock.systemUTC());
      this.keys = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", Clock.systemUTC());
      Enforcer enforcer = Enforcer.create(Policy.bundled(), Clock.systemUTC());
      this.vault = store.vault(Keys.local(Files.createTempDirectory(tmp, "keys")), keys);
      this.domain = new Domain(enforcer, vault.storage(), null);
      this.usage = vault.usage();
    }

    @Override
    public void close() {
      usage.stopJournal(Duration.ofSeconds(5));
      store.close();
      keys.close();
      if (pg != null) {
        pg.close();
      }
    }
  }
}
