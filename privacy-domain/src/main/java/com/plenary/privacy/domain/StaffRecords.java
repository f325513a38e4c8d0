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

  /**
   * A confidentiality agreement on file (C33): the document's version, signed at, running out at (null: no
   * expiry was recorded — an agreement filed before expiries were kept, see {@link #standing}).
   */
  record Agreement(String id, String staffId, String documentVersion, Instant signedAt, Instant expiresAt, String recordedBy, Instant recordedAt) {
    /** Whether this agreement, taken alone, is in force at {@code now}; {@link #standing} says whether it still counts beside the member's others. */
    public boolean inForce(Instant now) {
      return !now.isBefore(signedAt) && (expiresAt == null || now.isBefore(expiresAt));
    }

    /** Whether no expiry is on file for it. */
    public boolean noExpiryOnFile() {
      return expiresAt == null;
    }
  }

  /** How a member stands on their agreements (C33); {@code counting} is the agreement that counts, null for {@link #NONE} and {@link #EXPIRED}. */
  record Standing(String status, Agreement counting) {
    /** In force, with an expiry on file. */
    public static final String IN_FORCE = "in force";
    /** In force on an agreement with no expiry on file: flagged until the real one is recorded. */
    public static final String NO_EXPIRY = "no expiry on file";
    public static final String EXPIRED = "expired";
    public static final String NONE = "none";

    public boolean inForce() {
      return counting != null;
    }
  }

  /**
   * Which of a member's agreements counts at {@code now} (C33), the rule the enforcer's facts follow: the
   * newest signed one with an expiry on file, while it runs; an agreement with no expiry on file (filed
   * before expiries were kept) stays in force — refusing it would lock every member out on upgrade — but
   * is flagged, and only until any agreement with an expiry is signed: from then on that one decides, so
   * an old undated record never outlives a real agreement that ran out.
   */
  static Standing standing(List<Agreement> agreements, Instant now) {
    Agreement dated = null;
    Agreement undated = null;
    boolean anyDated = false;
    for (Agreement a : agreements) {
      if (a.signedAt().isAfter(now)) {
        continue;
      }
      if (a.expiresAt() != null) {
        anyDated = true;
        if (now.isBefore(a.expiresAt()) && (dated == null || a.signedAt().isAfter(dated.signedAt()))) {
          dated = a;
        }
      } else if (undated == null || a.signedAt().isAfter(undated.signedAt())) {
        undated = a;
      }
    }
    if (dated != null) {
      return new Standing(Standing.IN_FORCE, dated);
    }
    if (anyDated) {
      return new Standing(Standing.EXPIRED, null);
    }
    return undated == null ? new Standing(Standing.NONE, null) : new Standing(Standing.NO_EXPIRY, undated);
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

  /**
   * The agreements with no expiry on file that still count at {@code now} for active members (see
   * {@link #standing}), by member; at most {@code limit}. The review report lists them as findings.
   */
  List<Agreement> agreementsWithoutExpiry(Instant now, int limit);

  void addBreakGlass(BreakGlass opening);

  /** Break-glass openings, newest first, at most {@code limit}. */
  List<BreakGlass> breakGlass(int limit);
}
