package com.plenary.privacy.store;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.file.Files;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class H2MessageRecordsTest extends MessageRecordsContract {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Domain domain;

  @BeforeAll
  void open() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    store = Store.open(url, "sa", "", 4, clock);
    keyStore = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", clock);
    vault = store.vault(Keys.local(Files.createTempDirectory("plenary-keys")), keyStore);
    domain = new Domain(Enforcer.create(Policy.bundled(), clock), vault.storage(), null);
  }

  @AfterAll
  void close() {
    store.close();
    keyStore.close();
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
    return url;
  }

  @Override
  String user() {
    return "sa";
  }
}
