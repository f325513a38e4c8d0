package com.plenary.privacy.platform;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.StaffRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What a need-to-know grant (C32) must satisfy before it is stored; the API and the CLI both check it here. */
public final class Grants {
  /** The longest a grant may last. */
  public static final Duration LONGEST = Duration.ofDays(90);

  private Grants() {}

  /**
   * Refuses a grant whose role the policy does not declare, whose categories or purposes lie outside
   * what the role may open, or whose time is not a window of at most {@link #LONGEST} ending after now.
   */
  public static void check(Policy policy, String role, List<String> categories, List<String> purposes, Instant from, Instant until, Instant now) {
    StaffRole r = role == null ? null : policy.staffRole(role);
    if (r == null) {
      throw new InvalidInputException("role", "role must be one of the policy's staff roles");
    }
    within(categories, "categories", r.categories(), policy.categories().stream().map(c -> c.id()).toList());
    within(purposes, "purposes", r.purposes(), policy.purposes().stream().map(p -> p.id()).toList());
    if (!until.isAfter(from) || Duration.between(from, until).compareTo(LONGEST) > 0 || !until.isAfter(now)) {
      throw new InvalidInputException("until", "until must be after from and now, and at most 90 days after from");
    }
  }

  private static void within(List<String> ids, String name, List<String> grantable, List<String> declared) {
    if (ids == null || ids.isEmpty() || ids.size() > 50) {
      throw new InvalidInputException(name, name + " must be a list of 1 to 50 ids");
    }
    if (new java.util.HashSet<>(ids).size() != ids.size()) {
      throw new InvalidInputException(name, name + " must name each id once");
    }
    for (String id : ids) {
      // declared, not only under a grantable id: an invented id is refused, however it is spelt
      if (id == null || !declared.contains(id) || grantable.stream().noneMatch(g -> Policy.isUnder(id, g))) {
        throw new InvalidInputException(name, "every one of " + name + " must lie within the role's grantable " + name + " " + grantable);
      }
    }
  }
}
