package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.Ids;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import com.plenary.privacy.testkit.Postgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Usage events are found by time through their time-ordered ids (V9 dropped the index on
 * received_at): retention by a key range, with the events stored before ids were time-ordered
 * listed by the migration. On H2 and on PostgreSQL.
 */
class EventIdMigrationTest {
  @Test
  void idsBeforeATimeAreExactlyTheIdsOfThatMillisecondAndEarlier() {
    Instant t = Instant.parse("2026-11-25T12:00:00.123456Z");
    String bound = UsageEvents.idsBefore(t);
    for (long ms = t.toEpochMilli() - 2; ms <= t.toEpochMilli(); ms++) {
      for (int i = 0; i < 100; i++) {
        assertThat("e-" + Ids.timeOrdered(ms)).isLessThan(bound);
      }
    }
    for (int i = 0; i < 100; i++) {
      assertThat("e-" + Ids.timeOrdered(t.toEpochMilli() + 1)).isGreaterThanOrEqualTo(bound);
      assertThat("e-" + Ids.timeOrdered(t.toEpochMilli() + 86_400_000L)).isGreaterThan(bound);
    }
  }

  @Test
  void C11_onH2EventsFromBeforeTimeOrderedIdsAreStillDeletedByRetention() throws Exception {
    check("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "h2");
  }

  @Test
  void C11_onPostgresEventsFromBeforeTimeOrderedIdsAreStillDeletedByRetention() throws Exception {
    try (Postgres pg = Postgres.freshSchema()) {
      check(pg.url(), pg.user(), "postgresql");
    }
  }

  private static void check(String url, String user, String vendor) throws Exception {
    MutableClock clock = MutableClock.startingNow();
    Instant old = clock.instant().minus(Duration.ofDays(800)); // past the 13 months of user.device and user.behavior
    String legacyOld = "e-" + UUID.randomUUID();
    String legacyNew = "e-" + UUID.randomUUID();
    // a database as version 8 left it, holding two events with random (version 4) ids
    // (the pool stays open to the end: H2 evaluates a check constraint in the session that made it)
    try (var v8 = Store.pool(url, user, "", 4, "v8", "the database")) {
      Flyway.configure().dataSource(v8).locations("classpath:db/migration", "classpath:db/vendor/" + vendor).target("8").load().migrate();
      try (Connection c = v8.getConnection()) {
        insert(c, legacyOld, old);
        insert(c, legacyNew, clock.instant());
      }
      retain(url, user, clock, legacyOld, legacyNew);
    }
  }

  private static void retain(String url, String user, MutableClock clock, String legacyOld, String legacyNew) throws Exception {
    try (Store store = Store.open(url, user, "", 2, clock);
        SubjectKeys keys = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", clock)) {
      Enforcer enforcer = Enforcer.create(Policy.bundled(), clock);
      Vault vault = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keys);
      Domain domain = new Domain(enforcer, vault.storage(), null);
      try (Connection c = DriverManager.getConnection(url, user, "")) {
        assertThat(ids(c, "SELECT id FROM usage_event_legacy_id ORDER BY id")).containsExactlyInAnyOrder(legacyOld, legacyNew);
        assertThat(ids(c, "SELECT id FROM usage_event")).containsExactlyInAnyOrder(legacyOld, legacyNew);
      }
      // a time-ordered event stored now, at the same time as legacyNew
      vault.usage().append(List.of(UsageEvents.Event.builder("rq-new").source("browser", "snippet").purpose("improve.analytics")
          .kind("pageview").browser("BBBBBBBBBBBBBBBBBBBBBB").details(Map.of("page", "https://x.example/")).build()));
      assertThat(domain.subjects().runRetention()).containsEntry("usage_events", 1);
      try (Connection c = DriverManager.getConnection(url, user, "")) {
        assertThat(ids(c, "SELECT id FROM usage_event")).hasSize(2).contains(legacyNew).doesNotContain(legacyOld);
        assertThat(ids(c, "SELECT id FROM usage_event_legacy_id")).containsExactly(legacyNew);
      }
      clock.advance(Duration.ofDays(800));
      assertThat(domain.subjects().runRetention()).containsEntry("usage_events", 2);
      try (Connection c = DriverManager.getConnection(url, user, "")) {
        assertThat(ids(c, "SELECT id FROM usage_event")).isEmpty();
        assertThat(ids(c, "SELECT id FROM usage_event_legacy_id")).isEmpty();
      }
    }
  }

  private static void insert(Connection c, String id, Instant at) throws Exception {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO usage_event (id, request_id, received_at, source, source_name, purpose, kind, key_owner, sealed) "
        + "VALUES (?, ?, ?, 'service', 'mail', 'technical', 'open', 'x', ?)")) {
      p.setString(1, id);
      p.setString(2, "rq-" + id);
      p.setObject(3, at.atOffset(ZoneOffset.UTC));
      p.setBytes(4, new byte[] {1, 2, 3});
      p.executeUpdate();
    }
  }

  private static List<String> ids(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
