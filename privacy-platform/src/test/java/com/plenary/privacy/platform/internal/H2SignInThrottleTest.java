package com.plenary.privacy.platform.internal;

import java.util.UUID;

/** {@link SignInThrottleContract} on H2. */
class H2SignInThrottleTest extends SignInThrottleContract {
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
