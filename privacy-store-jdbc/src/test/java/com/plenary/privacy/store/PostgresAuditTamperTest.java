package com.plenary.privacy.store;

import com.plenary.privacy.testkit.Postgres;
import org.junit.jupiter.api.AfterAll;

/** The verifiable audit log on PostgreSQL, in a fresh schema, with fewer random tamperings than on H2. */
class PostgresAuditTamperTest extends AuditTamperContract {
  private final Postgres pg = Postgres.freshSchema();

  @Override
  String url() {
    return pg.url();
  }

  @Override
  String user() {
    return pg.user();
  }

  @Override
  int rounds() {
    return Integer.getInteger("tamper.rounds.postgresql", 100);
  }

  @AfterAll
  void drop() {
    pg.close();
  }
}
