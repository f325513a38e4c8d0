package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.ConsentRecords;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import com.plenary.privacy.testkit.Postgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Consents of earlier versions, rows updated in place with {@code withdrawn_at}, become entries of the
 * ledger (V23): each a grant, and a withdrawal when it was withdrawn; the store links them into the
 * chain when it first opens, the derived state is what they say, and new entries follow them. On H2
 * and on PostgreSQL.
 */
class ConsentLedgerMigrationTest {
  @Test
  void C24_onH2TheConsentsOfEarlierVersionsBecomeChainedEntries() throws Exception {
    check("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "h2");
  }

  @Test
  void C24_onPostgresTheConsentsOfEarlierVersionsBecomeChainedEntries() throws Exception {
    try (Postgres pg = Postgres.freshSchema()) {
      check(pg.url(), pg.user(), "postgresql");
    }
  }

  private static void check(String url, String user, String vendor) throws Exception {
    MutableClock clock = MutableClock.startingNow();
    String id = "s-" + UUID.randomUUID();
    String given = "cn-" + UUID.randomUUID();
    String withdrawn = "cn-" + UUID.randomUUID();
    try (var v20 = Store.pool(url, user, "", 2, "v20", "the database")) {
      Flyway.configure().dataSource(v20).locations("classpath:db/migration", "classpath:db/vendor/" + vendor).target("20").load().migrate();
      try (Connection c = v20.getConnection(); var st = c.createStatement()) {
        st.executeUpdate("INSERT INTO subject (id, home_region, policy_version, created_at) VALUES ('" + id + "', 'eu', 1, CURRENT_TIMESTAMP)");
        st.executeUpdate("INSERT INTO consent (id, subject_id, purpose, policy_version, granted_by, granted_at, channel, shown_sha256) VALUES ('"
            + given + "', '" + id + "', 'develop', 1, 'subject:" + id + "', TIMESTAMP WITH TIME ZONE '2026-11-02 10:00:00+00', 'registration', '" + "a".repeat(64) + "')");
        st.executeUpdate("INSERT INTO consent (id, subject_id, purpose, policy_version, granted_by, granted_at, withdrawn_at) VALUES ('"
            + withdrawn + "', '" + id + "', 'protect', 1, 'subject:" + id + "', TIMESTAMP WITH TIME ZONE '2026-11-01 10:00:00+00', "
            + "TIMESTAMP WITH TIME ZONE '2026-11-03 10:00:00+00')");
      }
    }
    try (Store store = Store.open(url, user, "", 2, clock);
        SubjectKeys keys = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", clock)) {
      var v = store.consentLedger().verify();
      assertThat(v.intact()).as(v.detail()).isTrue();
      assertThat(v.entries()).isEqualTo(3);
      var storage = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keys).storage();
      List<ConsentRecords.Entry> ledger = storage.inTransaction(w -> w.consents().ledger(id));
      // in the order they happened: protect given, develop given, protect withdrawn
      assertThat(ledger).extracting(e -> e.purpose() + ":" + e.granted()).containsExactly("protect:true", "develop:true", "protect:false");
      assertThat(ledger.get(1).channel()).isEqualTo("registration");
      assertThat(ledger.get(1).shownSha256()).isEqualTo("a".repeat(64));
      assertThat(ledger.get(0).channel()).isEqualTo("migrated");
      List<ConsentRecords.State> states = storage.inTransaction(w -> w.consents().states(id));
      assertThat(states).extracting(s -> s.purpose() + ":" + s.granted())
          .containsExactlyInAnyOrder("develop:true", "protect:false");
      assertThat(Consents.history(ledger)).extracting(c -> c.id() + ":" + (c.withdrawnAt() != null)).containsExactly(withdrawn + ":true", given + ":false");
      // new entries follow the migrated ones in the chain
      storage.useTransaction(w -> Consents.withdrawIn(w, Access.subject(id, null), id, "develop", null, Consents.API, 1, clock.instant()));
      assertThat(store.consentLedger().verify().entries()).isEqualTo(4);
      assertThat(store.consentLedger().verify().intact()).isTrue();
    }
    // opening again links nothing twice
    try (Store store = Store.open(url, user, "", 2, clock)) {
      assertThat(store.consentLedger().verify().intact()).isTrue();
      assertThat(store.consentLedger().verify().entries()).isEqualTo(4);
    }
  }

  @Test
  void C36_onH2ThePolicyAcceptancesOfEarlierVersionsAreLinkedOnceAndAForgedOneIsNot() throws Exception {
    acceptances("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "h2");
  }

  @Test
  void C36_onPostgresThePolicyAcceptancesOfEarlierVersionsAreLinkedOnceAndAForgedOneIsNot() throws Exception {
    try (Postgres pg = Postgres.freshSchema()) {
      acceptances(pg.url(), pg.user(), "postgresql");
    }
  }

  private static void acceptances(String url, String user, String vendor) throws Exception {
    MutableClock clock = MutableClock.startingNow();
    String id = "s-" + UUID.randomUUID();
    try (var v31 = Store.pool(url, user, "", 2, "v31", "the database")) {
      Flyway.configure().dataSource(v31).locations("classpath:db/migration", "classpath:db/vendor/" + vendor).target("31").load().migrate();
      try (Connection c = v31.getConnection(); var st = c.createStatement()) {
        // a ledger whose chain was made (empty), and two acceptances recorded before they were chained
        st.executeUpdate("UPDATE consent_head SET seq = 0, hash = '" + "0".repeat(64) + "' WHERE id = 1");
        st.executeUpdate("INSERT INTO subject (id, home_region, policy_version, created_at) VALUES ('" + id + "', 'eu', 1, CURRENT_TIMESTAMP)");
        st.executeUpdate("INSERT INTO policy_acceptance (subject_id, version, accepted_at, channel, shown_sha256) VALUES ('" + id
            + "', 2, TIMESTAMP WITH TIME ZONE '2026-11-02 10:00:00+00', 'prompt', '" + "a".repeat(64) + "')");
        st.executeUpdate("INSERT INTO policy_acceptance (subject_id, version, accepted_at, channel) VALUES ('" + id
            + "', 3, TIMESTAMP WITH TIME ZONE '2026-11-05 10:00:00+00', 'prompt')");
      }
    }
    try (Store store = Store.open(url, user, "", 2, clock)) {
      var v = store.consentLedger().verify();
      assertThat(v.intact()).as(v.detail()).isTrue();
      assertThat(v.entries()).isEqualTo(2);
    }
    // an acceptance written behind the ledger's back after that is not adopted when the store opens again
    try (var pool = Store.pool(url, user, "", 1, "forger", "the database"); Connection c = pool.getConnection(); var st = c.createStatement()) {
      st.executeUpdate("INSERT INTO policy_acceptance (subject_id, version, accepted_at, channel) VALUES ('" + id + "', 4, CURRENT_TIMESTAMP, 'prompt')");
    }
    try (Store store = Store.open(url, user, "", 2, clock)) {
      var v = store.consentLedger().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.detail()).contains("no link");
      assertThat(v.entries()).isEqualTo(2);
    }
  }
}
