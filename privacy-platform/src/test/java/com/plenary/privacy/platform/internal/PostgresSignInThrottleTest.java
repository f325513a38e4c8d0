package com.plenary.privacy.platform.internal;

import com.plenary.privacy.testkit.Postgres;
import org.junit.jupiter.api.AfterAll;

/** {@link SignInThrottleContract} on PostgreSQL, in a fresh schema. */
class PostgresSignInThrottleTest extends SignInThrottleContract {
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
