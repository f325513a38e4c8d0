package com.plenary.privacy.store;

import com.plenary.privacy.testkit.Postgres;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresStoreTest extends StoreContract {
  private Postgres pg;
  private Store store;

  @BeforeAll
  void open() {
    pg = Postgres.freshSchema();
    store = Store.open(pg.url(), pg.user(), "", 4, Clock.systemUTC());
  }

  @AfterAll
  void close() {
    if (store != null) {
      store.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Override
  Store store() {
    return store;
  }
}
