package com.plenary.privacy.cli;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.store.Vault;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** An engineer with an hour's grant to read usage events for the site's functioning, as tests look at what the collector stored. */
final class Engineers {
  private Engineers() {}

  static Access withGrant(Vault vault) {
    var member = vault.staff().add("Test Engineer", "employee", List.of("engineer"), Instant.now());
    vault.staff().grant(member.id(), "engineer", List.of("user.device", "user.behavior"), List.of("technical"),
        Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofHours(1)), "st-test-officer", "rq-test");
    return Access.staff(vault.staff().facts(member.id(), "employee"), "rq-test");
  }

  /** The newest events, opened through the enforcer under the engineer's grant. */
  static List<java.util.Map<String, Object>> newest(Vault vault, int limit) {
    var out = vault.newestEvents(withGrant(vault), limit);
    if (!out.permitted()) {
      throw new AssertionError("the engineer's read was denied: " + out.decision().rules());
    }
    return out.value();
  }
}
