package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Staff members' need-to-know grants (C32), as the staff use cases keep them. */
public interface StaffRecords {
  /** A grant of need-to-know access (C32): categories × purposes within a role, from (inclusive) until (exclusive). */
  record Grant(String id, String staffId, String role, List<String> categories, List<String> purposes, Instant from, Instant until,
      String grantedBy, Instant createdAt, Instant revokedAt) {
    public Grant {
      categories = List.copyOf(categories);
      purposes = List.copyOf(purposes);
    }

    /** The grant as the API and the CLI show it, with whether it is in force at {@code now}. */
    public Map<String, Object> view(Instant now) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("staff", staffId);
      m.put("role", role);
      m.put("categories", categories);
      m.put("purposes", purposes);
      m.put("from", from);
      m.put("until", until);
      m.put("granted_by", grantedBy);
      m.put("revoked_at", revokedAt);
      m.put("in_force", inForce(now));
      return m;
    }

    public boolean inForce(Instant now) {
      return revokedAt == null && !now.isBefore(from) && now.isBefore(until);
    }
  }

  /** The roles of an active staff member; empty when no active member has the id. */
  Optional<List<String>> activeRoles(String staffId);

  void addGrant(Grant grant);

  /** Ends a grant in force at {@code at}; false when the member has no grant in force by that id. */
  boolean endGrant(String staffId, String grantId, Instant at);

  Grant grant(String grantId);

  /** Every grant of the member, newest first. */
  List<Grant> grantsOf(String staffId);
}
