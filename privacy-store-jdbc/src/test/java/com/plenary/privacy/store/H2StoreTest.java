package com.plenary.privacy.store;

import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class H2StoreTest extends StoreContract {
  private Store store;

  @BeforeAll
  void open() {
    store = Store.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 4, Clock.systemUTC());
  }

  @AfterAll
  void close() {
    store.close();
  }

  @Override
  Store store() {
    return store;
  }
}
