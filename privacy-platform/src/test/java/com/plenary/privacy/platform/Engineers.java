package com.plenary.privacy.platform;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.store.Vault;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An engineer with an hour's grant to read usage events for the site's functioning, as tests look at
 * what the collector stored: the read goes through the enforcer like any staff member's.
 */
public final class Engineers {
  private Engineers() {}

  public static Access withGrant(Platform platform) {
    Vault vault = platform.vault();
    var member = vault.staff().add("Test Engineer", "employee", List.of("engineer"), Instant.now());
    platform.domain().staff().grant(member.id(), "engineer", List.of("user.device", "user.behavior"), List.of("technical"),
        Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofHours(1)), "st-test-officer", "rq-test");
    return Access.staff(vault.staff().facts(member.id(), "employee"), "rq-test");
  }

  /** The newest events, opened through the enforcer under the engineer's grant. */
  public static List<Map<String, Object>> newest(Platform platform, int limit) {
    var out = platform.domain().collection().newestEvents(withGrant(platform), limit);
    if (!out.permitted()) {
      throw new AssertionError("the engineer's read was denied: " + out.decision().rules());
    }
    return out.value();
  }
}
