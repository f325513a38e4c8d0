package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Staff members' confidentiality agreements (C33), need-to-know grants and grant requests (C32), and
 * break-glass openings, as the staff use cases keep them. Justifications are plain here and sealed by
 * the store with the writing member's key.
 */
public interface StaffRecords {
  /** A grant's state: asked for and waiting, given (in force while its window lasts), or refused. */
  String REQUESTED = "requested";
  String APPROVED = "approved";
  String REJECTED = "rejected";

  /**
   * A grant of need-to-know access (C32): categories × purposes within a role, from (inclusive) until
   * (exclusive), optionally only for the people named in {@code subjects} (empty: anyone). A requested
   * grant carries the member's justification and has no {@code grantedBy} until a privacy officer approves it.
   */
  record Grant(String id, String staffId, String role, List<String> categories, List<String> purposes, Instant from, Instant until,
      String grantedBy, Instant createdAt, Instant revokedAt, String status, List<String> subjects, String justification, Instant decidedAt) {
    public Grant {
      categories = List.copyOf(categories);
      purposes = List.copyOf(purposes);
      subjects = List.copyOf(subjects);
    }

    /** A grant given directly by a privacy officer, for anyone. */
    public static Grant direct(String id, String staffId, String role, List<String> categories, List<String> purposes, Instant from, Instant until,
        String grantedBy, Instant createdAt) {
      return new Grant(id, staffId, role, categories, purposes, from, until, grantedBy, createdAt, null, APPROVED, List.of(), null, createdAt);
    }

    /** The grant as the CLI shows it, with whether it is in force at {@code now}. */
    public Map<String, Object> view(Instant now) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("staff", staffId);
      m.put("role", role);
      m.put("categories", categories);
      m.put("purposes", purposes);
      m.put("subjects", subjects);
      m.put("from", from);
      m.put("until", until);
      m.put("status", status);
      m.put("granted_by", grantedBy);
      m.put("revoked_at", revokedAt);
      m.put("in_force", inForce(now));
      return m;
    }

    public boolean inForce(Instant now) {
      return APPROVED.equals(status) && revokedAt == null && !now.isBefore(from) && now.isBefore(until);
    }
  }

  /** A confidentiality agreement on file (C33): the document's version, signed at, running out at (null: no expiry was recorded). */
  record Agreement(String id, String staffId, String documentVersion, Instant signedAt, Instant expiresAt, String recordedBy, Instant recordedAt) {
    public boolean inForce(Instant now) {
      return !now.isBefore(signedAt) && (expiresAt == null || now.isBefore(expiresAt));
    }
  }

  /** A break-glass opening: one person's data, in one of the member's roles, for one purpose, until a time at most an hour on. */
  record BreakGlass(String id, String staffId, String subjectId, String role, List<String> categories, String purpose, String justification,
      Instant openedAt, Instant until, String incidentId) {
    public BreakGlass {
      categories = List.copyOf(categories);
    }
  }

  /** The roles of an active staff member; empty when no active member has the id. */
  Optional<List<String>> activeRoles(String staffId);

  void addGrant(Grant grant);

  /** Ends a grant in force at {@code at}; false when the member has no grant in force by that id. */
  boolean endGrant(String staffId, String grantId, Instant at);

  /** Approves or rejects a requested grant; false when it is no longer waiting. */
  boolean decideRequest(String grantId, String status, String decidedBy, Instant at);

  Optional<Grant> findGrant(String grantId);

  default Grant grant(String grantId) {
    return findGrant(grantId).orElseThrow(() -> new NotFound("no grant has this id"));
  }

  /** Every grant of the member, newest first. */
  List<Grant> grantsOf(String staffId);

  /** Every grant in {@code status} (null: any), newest first, at most {@code limit}. */
  List<Grant> grants(String status, int limit);

  void addAgreement(Agreement agreement);

  /** The member's agreements, newest signature first. */
  List<Agreement> agreementsOf(String staffId);

  void addBreakGlass(BreakGlass opening);

  /** Break-glass openings, newest first, at most {@code limit}. */
  List<BreakGlass> breakGlass(int limit);
}
