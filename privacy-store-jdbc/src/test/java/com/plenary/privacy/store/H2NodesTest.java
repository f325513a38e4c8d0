package com.plenary.privacy.store;

import java.util.UUID;

/** {@link NodesContract} on H2 (three pools on one in-memory database). */
class H2NodesTest extends NodesContract {
  private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

  @Override
  String url() {
    return url;
  }

  @Override
  String user() {
    return "sa";
  }
}
