package com.plenary.privacy.domain.staff;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.StaffRecords.Agreement;
import com.plenary.privacy.domain.StaffRecords.BreakGlass;
import com.plenary.privacy.domain.StaffRecords.Grant;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Staff accountability (C32, C33). A staff member reads personal data only with a confidentiality
 * agreement in force (recorded by a privacy officer) and a need-to-know grant in force: given directly
 * by a privacy officer, or requested by the member with a justification and approved by a privacy
 * officer who is not the requester; a grant may be limited to named people and ends on its own. Without
 * a grant a member may break the glass: open one person's data for at most {@link #LONGEST_BREAK_GLASS}
 * on a justification, which opens an incident at once. The enforcer looks all of this up itself as the
 * facts of each staff decision; every step here is recorded in the audit trail in its own transaction,
 * and every refusal made beside the engine is audited as a denial.
 */
public final class StaffAccess {
  /** The longest a break-glass opening lasts. */
  public static final Duration LONGEST_BREAK_GLASS = Duration.ofHours(1);
  /** The longest justification. */
  public static final int LONGEST_JUSTIFICATION = 1000;
  /** The most people a grant may be limited to. */
  public static final int MOST_SUBJECTS = 100;

  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;

  public StaffAccess(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
  }

  // ---- agreements (C33) ----

  /**
   * Records a confidentiality agreement on file for an active member: the document's version, when it
   * was signed and when it runs out (after it was signed, and after now). Versions are never edited; the
   * newest signature in force counts.
   */
  public Agreement recordAgreement(String staffId, String documentVersion, Instant signedAt, Instant expiresAt, String recordedBy, String requestId) {
    Instant now = enforcer.clock().instant();
    checkAgreement(documentVersion, signedAt, expiresAt, now);
    Agreement a = new Agreement("ag-" + Ids.timeOrdered(), staffId, documentVersion, stored(signedAt), stored(expiresAt), recordedBy, stored(now));
    return storage.inTransaction(w -> {
      w.staff().activeRoles(staffId).orElseThrow(() -> new NotFound("no active staff member has the id '" + staffId + "'"));
      w.staff().addAgreement(a);
      w.audit(AuditRecord.recorded("staff", recordedBy, "agreement").purpose(Vocabulary.PROTECT)
          .rules(List.of("staff-agreement:" + a.id(), "to:" + staffId)).clauses(List.of("C33")).requestId(requestId).build());
      return a;
    });
  }

  /**
   * Refuses an agreement without a document version, signed after {@code now}, or without an expiry after
   * the signature and after now — an agreement is never filed without the day it runs out.
   */
  public static void checkAgreement(String documentVersion, Instant signedAt, Instant expiresAt, Instant now) {
    if (documentVersion == null || !VERSION.matcher(documentVersion).matches()) {
      throw new InvalidInputException("document_version", "document_version must be 1 to 64 letters, digits, dots, dashes or underscores");
    }
    if (signedAt == null || signedAt.isAfter(now)) {
      throw new InvalidInputException("signed", "signed must be a day no later than today");
    }
    if (expiresAt == null || !expiresAt.isAfter(signedAt) || !expiresAt.isAfter(now)) {
      throw new InvalidInputException("expires", "expires must be a day after the signature and after today");
    }
  }

  /** The member's agreements, newest signature first. */
  public List<Agreement> agreements(String staffId) {
    return storage.inTransaction(w -> {
      if (w.staff().activeRoles(staffId).isEmpty() && w.staff().agreementsOf(staffId).isEmpty()) {
        throw new NotFound("no staff member has the id '" + staffId + "'");
      }
      return w.staff().agreementsOf(staffId);
    });
  }

  /** How the member stands on their agreements now (C33): in force, in force with no expiry on file (flagged), expired, or none. */
  public StaffRecords.Standing standing(String staffId) {
    return StaffRecords.standing(agreements(staffId), enforcer.clock().instant());
  }

  // ---- grants (C32) ----

  /**
   * Grants need-to-know access to an active member in one of their roles. {@code grantedBy} is the
   * privacy officer (or {@code cli}, an operator at the command line).
   */
  public Grant grant(String staffId, String role, List<String> categories, List<String> purposes, Instant from, Instant until, String grantedBy,
      String requestId) {
    Instant now = enforcer.clock().instant();
    GrantRules.check(enforcer.policy(), role, categories, purposes, from, until, now);
    List<String> roles = storage.inTransaction(w -> w.staff().activeRoles(staffId))
        .orElseThrow(() -> new NotFound("no active staff member has the id '" + staffId + "'"));
    if (staffId.equals(grantedBy)) {
      // no one opens everyone's data to themselves: a grant to oneself needs a second privacy officer (C32)
      throw refuse(grantedBy, requestId, "grant", purposes.get(0), "no-grant-to-oneself",
          "no one may grant access to themselves; another privacy officer must give the grant");
    }
    if (!roles.contains(role)) {
      throw new InvalidInputException("role", "the staff member does not have the role '" + role + "'");
    }
    Grant g = Grant.direct("gr-" + Ids.timeOrdered(), staffId, role, categories, purposes, stored(from), stored(until), grantedBy, stored(now));
    storage.useTransaction(w -> {
      w.staff().addGrant(g);
      w.audit(AuditRecord.recorded("staff", grantedBy, "grant").purpose(String.join(",", purposes)).categories(categories)
          .rules(List.of("staff-grant:" + g.id(), "to:" + staffId)).clauses(List.of("C32")).requestId(requestId).build());
    });
    return g;
  }

  /**
   * A member asks for need-to-know access in one of their roles, with a justification, optionally only
   * for the people named in {@code subjects}; a privacy officer who is not the member approves or rejects it.
   */
  public Grant request(String staffId, String role, List<String> categories, List<String> purposes, List<String> subjects, Instant from, Instant until,
      String justification, String requestId) {
    Instant now = enforcer.clock().instant();
    GrantRules.check(enforcer.policy(), role, categories, purposes, from, until, now);
    checkJustification(justification);
    List<String> people = subjects == null ? List.of() : subjects;
    if (people.size() > MOST_SUBJECTS || new HashSet<>(people).size() != people.size()
        || people.stream().anyMatch(s -> s == null || s.isBlank() || s.length() > Visibility.MAX_ID)) {
      throw new InvalidInputException("subjects", "subjects must name at most " + MOST_SUBJECTS + " people, each once, by their ids");
    }
    Grant g = new Grant("gr-" + Ids.timeOrdered(), staffId, role, categories, purposes, stored(from), stored(until), null, stored(now), null,
        StaffRecords.REQUESTED, people, justification, null);
    return storage.inTransaction(w -> {
      List<String> roles = w.staff().activeRoles(staffId).orElseThrow(() -> new NotFound("no active staff member has the id '" + staffId + "'"));
      if (!roles.contains(role)) {
        throw new InvalidInputException("role", "you do not have the role '" + role + "'");
      }
      w.staff().addGrant(g);
      w.audit(AuditRecord.recorded("staff", staffId, "grant-request").purpose(String.join(",", purposes)).categories(categories)
          .rules(List.of("staff-grant:" + g.id())).clauses(List.of("C32")).requestId(requestId).build());
      return g;
    });
  }

  /**
   * Approves a requested grant. Never by its requester (refused and audited: rule
   * {@code no-approval-of-own-request}); a request no longer waiting, or whose window has passed, is a {@link Conflict}.
   */
  public Grant approve(String grantId, String approvedBy, String requestId) {
    return decide(grantId, approvedBy, requestId, StaffRecords.APPROVED);
  }

  /** The staff role that decides grant requests and closes incidents (C32, C33). */
  public static final String PRIVACY_OFFICER = "privacy-officer";

  /**
   * Approves a requested grant as a staff member holding {@code roles}: only a privacy officer decides
   * grant requests; anyone else is refused, and the refusal is audited as a denial (C32).
   */
  public Grant approve(String grantId, String approvedBy, Collection<String> roles, String requestId) {
    officerOnly(approvedBy, roles, requestId, "approve");
    return approve(grantId, approvedBy, requestId);
  }

  /** Rejects a requested grant as a staff member holding {@code roles}; as {@link #approve(String, String, Collection, String)}. */
  public Grant reject(String grantId, String rejectedBy, Collection<String> roles, String requestId) {
    officerOnly(rejectedBy, roles, requestId, "grant-reject");
    return reject(grantId, rejectedBy, requestId);
  }

  private void officerOnly(String by, Collection<String> roles, String requestId, String operation) {
    if (!roles.contains(PRIVACY_OFFICER)) {
      throw refuse(by, requestId, operation, Vocabulary.PROTECT, "grants-decided-by-privacy-officers",
          "grant requests are approved or rejected by a privacy officer");
    }
  }

  /** Rejects a requested grant; as {@link #approve}, never by its requester. */
  public Grant reject(String grantId, String rejectedBy, String requestId) {
    return decide(grantId, rejectedBy, requestId, StaffRecords.REJECTED);
  }

  private Grant decide(String grantId, String by, String requestId, String status) {
    Grant asked = storage.inTransaction(w -> w.staff().findGrant(grantId)).orElseThrow(() -> new NotFound("no grant request has this id"));
    if (asked.staffId().equals(by)) {
      // four eyes: the one who asks is never the one who decides (C32)
      throw refuse(by, requestId, "approve", asked.purposes().get(0), "no-approval-of-own-request",
          "a grant request is approved or rejected by a privacy officer other than its requester");
    }
    Instant now = stored(enforcer.clock().instant());
    return storage.inTransaction(w -> {
      if (!StaffRecords.REQUESTED.equals(asked.status())) {
        throw new Conflict("this grant request was " + asked.status() + " already");
      }
      if (StaffRecords.APPROVED.equals(status) && !now.isBefore(asked.until())) {
        throw new Conflict("this grant request's time has passed; ask again");
      }
      if (!w.staff().decideRequest(grantId, status, by, now)) {
        throw new Conflict("this grant request was decided already");
      }
      w.audit(AuditRecord.recorded("staff", by, StaffRecords.APPROVED.equals(status) ? "grant" : "grant-reject").purpose(String.join(",", asked.purposes()))
          .categories(asked.categories()).rules(List.of("staff-grant:" + grantId, "to:" + asked.staffId())).clauses(List.of("C32")).requestId(requestId).build());
      return w.staff().grant(grantId);
    });
  }

  /** Every grant of the member, newest first. */
  public List<Grant> grants(String staffId) {
    return storage.inTransaction(w -> w.staff().grantsOf(staffId));
  }

  /** Every grant in {@code status} (null: any), newest first, at most {@code limit}. */
  public List<Grant> grants(String status, int limit) {
    if (status != null && !List.of(StaffRecords.REQUESTED, StaffRecords.APPROVED, StaffRecords.REJECTED).contains(status)) {
      throw new InvalidInputException("status", "status must be requested, approved or rejected");
    }
    return storage.inTransaction(w -> w.staff().grants(status, limit));
  }

  public Grant grant(String grantId) {
    return storage.inTransaction(w -> w.staff().findGrant(grantId)).orElseThrow(() -> new NotFound("no grant has this id"));
  }

  /** Ends a grant at once; recorded in the audit trail. */
  public Grant revokeGrant(String staffId, String grantId, String revokedBy, String requestId) {
    return storage.inTransaction(w -> {
      if (!w.staff().endGrant(staffId, grantId, stored(enforcer.clock().instant()))) {
        throw new NotFound("no grant in force has the id '" + grantId + "' for this staff member");
      }
      w.audit(AuditRecord.recorded("staff", revokedBy, "ungrant").purpose(Vocabulary.PROTECT)
          .rules(List.of("staff-grant:" + grantId, "to:" + staffId)).clauses(List.of("C32")).requestId(requestId).build());
      return w.staff().grant(grantId);
    });
  }

  // ---- break-glass (C32, C33) ----

  /**
   * Breaks the glass: the member opens one person's data in one of their roles, for one purpose, for
   * {@code length} (at most an hour), on a justification. The opening and its incident are recorded in
   * one transaction by the enforcer; each read through it is decided and audited as any read (the
   * agreement is still needed) and names the opening. A person who does not exist is the usual 404.
   */
  public BreakGlass breakGlass(Access by, String subjectId, String role, List<String> categories, String purpose, Duration length, String justification) {
    if (by.kind() != ActorKind.STAFF) {
      throw new IllegalArgumentException("only staff break the glass");
    }
    if (length == null || length.isNegative() || length.isZero() || length.compareTo(LONGEST_BREAK_GLASS) > 0) {
      throw new InvalidInputException("minutes", "minutes must be from 1 to 60");
    }
    checkJustification(justification);
    Instant now = stored(enforcer.clock().instant());
    GrantRules.check(enforcer.policy(), role, categories, List.of(purpose == null ? "" : purpose), now, now.plus(length), now);
    return storage.inTransaction(w -> {
      List<String> roles = w.staff().activeRoles(by.id()).orElseThrow(() -> new NotFound("no active staff member has the id '" + by.id() + "'"));
      if (!roles.contains(role)) {
        throw new InvalidInputException("role", "you do not have the role '" + role + "'");
      }
      visibility.require(w, by, subjectId, "break-glass", purpose);
      String id = "bg-" + Ids.timeOrdered();
      String incident = enforcer.openBreakGlass(w, by, Use.of("break-glass", Action.READ, purpose, subjectId, categories), id);
      BreakGlass b = new BreakGlass(id, by.id(), subjectId, role, categories, purpose, justification, now, now.plus(length), incident);
      w.staff().addBreakGlass(b);
      return b;
    });
  }

  /** Break-glass openings, newest first. */
  public List<BreakGlass> breakGlassOpenings(int limit) {
    return storage.inTransaction(w -> w.staff().breakGlass(limit));
  }

  private static void checkJustification(String justification) {
    if (justification == null || justification.isBlank() || justification.length() > LONGEST_JUSTIFICATION) {
      throw new InvalidInputException("justification", "justification must be 1 to " + LONGEST_JUSTIFICATION + " characters");
    }
  }

  private RuntimeException refuse(String by, String requestId, String operation, String purpose, String rule, String message) {
    Access a = new Access(ActorKind.STAFF, by, requestId, null);
    return storage.inOwnTransaction(own -> enforcer.refuse(own, a, operation, purpose, null, rule, List.of("C32"), message));
  }

  /**
   * A time as the databases keep it, to the millisecond: PostgreSQL and H2 round nanoseconds, possibly
   * up, which would put a grant given "now" a fraction of a microsecond in the future, so not yet in force.
   */
  private static Instant stored(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }
}
