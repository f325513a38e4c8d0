package com.plenary.privacy.store;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** An engineer with an hour's grant to read usage events for the site's functioning, as tests look at what the collector stored. */
final class Engineers {
  private Engineers() {}


  /** The same, at {@code now} on the vault's clock. */
  static Access withGrant(Domain domain, Vault vault, Instant now) {
    var member = vault.staff().add("Test Engineer", "employee", List.of("engineer"), now);
    domain.staff().grant(member.id(), "engineer", List.of("user.device", "user.behavior"), List.of("technical"),
        now.minusSeconds(60), now.plus(Duration.ofHours(1)), "st-test-officer", "rq-test");
    return Access.staff(vault.staff().facts(member.id(), "employee"), "rq-test");
  }

  /** The newest events, opened through the enforcer under the engineer's grant. */
  static List<Map<String, Object>> newest(Domain domain, Vault vault, int limit) {
    return newest(domain, vault, limit, Instant.now());
  }

  static List<Map<String, Object>> newest(Domain domain, Vault vault, int limit, Instant now) {
    var out = domain.collection().newestEvents(withGrant(domain, vault, now), limit);
    if (!out.permitted()) {
      throw new AssertionError("the engineer's read was denied: " + out.decision().rules());
    }
    return out.value();
  }
}
