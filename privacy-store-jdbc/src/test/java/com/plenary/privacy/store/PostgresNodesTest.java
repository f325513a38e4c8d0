package com.plenary.privacy.store;

import com.plenary.privacy.testkit.Postgres;
import org.junit.jupiter.api.AfterAll;

/** {@link NodesContract} on PostgreSQL, in a fresh schema. */
class PostgresNodesTest extends NodesContract {
  private final Postgres pg = Postgres.freshSchema();

  @Override
  String url() {
    return pg.url();
  }

  @Override
  String user() {
    return pg.user();
  }

  @AfterAll
  void drop() {
    pg.close();
  }
}
