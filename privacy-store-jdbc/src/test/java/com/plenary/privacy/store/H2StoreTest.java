package com.plenary.privacy.store;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class H2StoreTest extends AggregateContract {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private final MutableClock clock = MutableClock.startingNow();
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Domain domain;

  @BeforeAll
  void open() throws Exception {
    Path keys = Files.createTempDirectory("plenary-keys");
    store = Store.open(url, "sa", "", 4, clock);
    keyStore = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", clock);
    Enforcer enforcer = Enforcer.create(Policy.bundled(), clock);
    vault = store.vault(Keys.local(keys), keyStore);
    domain = new Domain(enforcer, vault.storage(), null);
  }

  @AfterAll
  void close() {
    store.close();
    keyStore.close();
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
    return url;
  }

  @Override
  String user() {
    return "sa";
  }
}
