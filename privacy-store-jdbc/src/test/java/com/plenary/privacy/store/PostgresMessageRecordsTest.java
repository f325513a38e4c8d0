package com.plenary.privacy.store;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import com.plenary.privacy.testkit.Postgres;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresMessageRecordsTest extends MessageRecordsContract {
  private Postgres pg;
  private Postgres pgKeys;
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Domain domain;

  @BeforeAll
  void open() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    store = Store.open(pg.url(), pg.user(), "", 4, clock);
    keyStore = SubjectKeys.open(pgKeys.url(), pgKeys.user(), "", clock);
    vault = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keyStore);
    domain = new Domain(Enforcer.create(Policy.bundled(), clock), vault.storage(), null);
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
  Storage storage() {
    return vault.storage();
  }

  @Override
  SubjectKeys keyStore() {
    return keyStore;
  }

  @Override
  Domain domain() {
    return domain;
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
