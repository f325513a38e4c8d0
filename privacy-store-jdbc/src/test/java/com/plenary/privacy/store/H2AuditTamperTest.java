package com.plenary.privacy.store;

import java.util.UUID;

/** The verifiable audit log on H2, with at least a thousand random tamperings. */
class H2AuditTamperTest extends AuditTamperContract {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

  @Override
  String url() {
    return url;
  }

  @Override
  String user() {
    return "sa";
  }

  @Override
  int rounds() {
    return Integer.getInteger("tamper.rounds", 1000);
  }
}
