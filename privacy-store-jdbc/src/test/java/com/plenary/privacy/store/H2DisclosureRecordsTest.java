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
class H2DisclosureRecordsTest extends DisclosureRecordsContract {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Keys keys;
  private Domain domain;

  @BeforeAll
  void open() throws Exception {
    MutableClock clock = MutableClock.startingNow();
    store = Store.open(url, "sa", "", 4, clock);
    keyStore = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", clock);
    keys = Keys.local(Files.createTempDirectory("plenary-keys"));
    vault = store.vault(keys, keyStore);
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
  Domain domain() {
    return domain;
  }

  @Override
  String sql(String query) {
    try (var c = java.sql.DriverManager.getConnection(url, "sa", ""); var rs = c.createStatement().executeQuery(query)) { // qualified: a test's raw look
      StringBuilder out = new StringBuilder();
      while (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          Object v = rs.getObject(i);
          out.append(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.ISO_8859_1) : v).append('|'); // qualified: as above
        }
        out.append('\n');
      }
      return out.toString();
    } catch (java.sql.SQLException e) { // qualified: as above
      throw new AssertionError(e);
    }
  }

  @Override
  void update(String statement) {
    try (var c = java.sql.DriverManager.getConnection(url, "sa", "")) { // qualified: a test's raw write
      c.createStatement().executeUpdate(statement);
    } catch (java.sql.SQLException e) { // qualified: as above
      throw new AssertionError(e);
    }
  }

  @Override
  void openVaultAgain() {
    store.vault(keys, keyStore);
  }
}
