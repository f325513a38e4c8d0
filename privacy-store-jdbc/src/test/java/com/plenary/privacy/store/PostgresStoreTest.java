package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import com.plenary.privacy.testkit.Postgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresStoreTest extends AggregateContract {
  private Postgres pg;
  private Postgres pgKeys;
  private final MutableClock clock = MutableClock.startingNow();
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Domain domain;

  @BeforeAll
  void open() throws Exception {
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    store = Store.open(pg.url(), pg.user(), "", 4, clock);
    keyStore = SubjectKeys.open(pgKeys.url(), pgKeys.user(), "", clock);
    Enforcer enforcer = Enforcer.create(Policy.bundled(), clock);
    vault = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keyStore);
    domain = new Domain(enforcer, vault.storage(), null);
  }

  @AfterAll
  void close() {
    if (store != null) {
      store.close();
    }
    if (keyStore != null) {
      keyStore.close();
    }
    if (pg != null) {
      pg.close();
    }
    if (pgKeys != null) {
      pgKeys.close();
    }
  }

  @Test
  void theIndexesOnMostlyEmptyEventColumnsArePartialAndServeLookUps() throws Exception {
    try (Connection c = DriverManager.getConnection(pg.url(), pg.user(), "")) {
      Map<String, String> defs = new TreeMap<>();
      try (var rs = c.createStatement().executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'usage_event'")) {
        while (rs.next()) {
          defs.put(rs.getString(1), rs.getString(2));
        }
      }
      assertThat(defs.get("usage_event_subject")).contains("WHERE (subject_id IS NOT NULL)");
      assertThat(defs.get("usage_event_browser")).contains("WHERE (browser_id IS NOT NULL)");
      assertThat(defs.get("usage_event_partner_record")).contains("WHERE (partner_record_id IS NOT NULL)");
      c.createStatement().execute("SET enable_seqscan = off");
      StringBuilder plan = new StringBuilder();
      try (var rs = c.createStatement().executeQuery("EXPLAIN SELECT id FROM usage_event WHERE partner_record_id = 'pr-x'")) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      assertThat(plan.toString()).contains("usage_event_partner_record");
    }
  }

  @Override
  Store store() {
    return store;
  }

  @Override
  MutableClock clock() {
    return clock;
  }

  @Override
  Vault vault() {
    return vault;
  }

  @Override
  Domain domain() {
    return domain;
  }

  @Override
  SubjectKeys keyStore() {
    return keyStore;
  }

  @Override
  String url() {
    return pg.url();
  }

  @Override
  String user() {
    return pg.user();
  }
}
