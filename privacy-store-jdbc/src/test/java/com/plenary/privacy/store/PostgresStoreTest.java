package com.plenary.privacy.store;

import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.Postgres;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresStoreTest extends VaultContract {
  private Postgres pg;
  private Postgres pgKeys;
  private final com.plenary.privacy.testkit.MutableClock clock = com.plenary.privacy.testkit.MutableClock.startingNow();
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;

  @BeforeAll
  void open() throws Exception {
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    store = Store.open(pg.url(), pg.user(), "", 4, clock);
    keyStore = SubjectKeys.open(pgKeys.url(), pgKeys.user(), "", clock);
    vault = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keyStore, DecisionEngine.compile(Policy.bundled()));
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

  @Override
  Store store() {
    return store;
  }

  @Override
  com.plenary.privacy.testkit.MutableClock clock() {
    return clock;
  }

  @Override
  Vault vault() {
    return vault;
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
