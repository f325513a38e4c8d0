package com.plenary.privacy.domain.staff;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Filter;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.ActorKind;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Following up incidents (C33). The enforcer opens them — for every staff attempt the engine denies and
 * every break-glass opening, in the transaction of its audit entry — and privacy officers list them and
 * close each with an outcome and a note. No one closes an incident about themselves (refused and
 * audited: rule {@code no-closing-of-own-incident}). An incident holds who, what, when and which rules,
 * never a personal value; the note is sealed by the store.
 */
public final class Incidents {
  /** The most incidents one list answers. */
  public static final int MOST = 1000;
  /** The longest note. */
  public static final int LONGEST_NOTE = 2000;

  private final Storage storage;
  private final Enforcer enforcer;

  public Incidents(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /** Incidents matching the filter, newest first; {@code limit} 1 to {@value #MOST}. */
  public List<Incident> list(Filter filter) {
    if (filter.status() != null && !List.of(IncidentRecords.OPEN, IncidentRecords.CLOSED).contains(filter.status())) {
      throw new InvalidInputException("status", "status must be open or closed");
    }
    if (filter.kind() != null && !List.of(IncidentRecords.DENIED, IncidentRecords.BREAK_GLASS).contains(filter.kind())) {
      throw new InvalidInputException("kind", "kind must be denied or break-glass");
    }
    if (filter.limit() < 1 || filter.limit() > MOST) {
      throw new InvalidInputException("limit", "limit must be from 1 to " + MOST);
    }
    if (filter.since() != null && filter.until() != null && !filter.until().isAfter(filter.since())) {
      throw new InvalidInputException("until", "until must be after since");
    }
    return storage.inTransaction(w -> w.incidents().list(filter));
  }

  public Incident find(String id) {
    return storage.inTransaction(w -> w.incidents().find(id)).orElseThrow(() -> new NotFound("no incident has this id"));
  }

  /** Closes an open incident with an outcome of {@link IncidentRecords#OUTCOMES} and a note; recorded in the audit trail. */
  /**
   * Closes an incident as a staff member holding {@code roles}: only a privacy officer closes incidents;
   * anyone else is refused, and the refusal is audited as a denial (C33). Otherwise as {@link #close(String, String, String, String, String)}.
   */
  public Incident close(String id, String outcome, String note, String closedBy, Collection<String> roles, String requestId) {
    if (!roles.contains(StaffAccess.PRIVACY_OFFICER)) {
      Access by = new Access(ActorKind.STAFF, closedBy, requestId, null);
      throw storage.inOwnTransaction(own -> enforcer.refuse(own, by, "close-incident", Vocabulary.PROTECT, null, "incidents-closed-by-privacy-officers",
          List.of("C33"), "incidents are closed by a privacy officer"));
    }
    return close(id, outcome, note, closedBy, requestId);
  }

  public Incident close(String id, String outcome, String note, String closedBy, String requestId) {
    if (outcome == null || !IncidentRecords.OUTCOMES.contains(outcome)) {
      throw new InvalidInputException("outcome", "outcome must be one of " + String.join(", ", IncidentRecords.OUTCOMES));
    }
    if (note == null || note.isBlank() || note.length() > LONGEST_NOTE) {
      throw new InvalidInputException("note", "note must be 1 to " + LONGEST_NOTE + " characters");
    }
    Incident found = find(id);
    if (found.staffId().equals(closedBy)) {
      Access by = new Access(ActorKind.STAFF, closedBy, requestId, null);
      throw storage.inOwnTransaction(own -> enforcer.refuse(own, by, "close-incident", Vocabulary.PROTECT, null, "no-closing-of-own-incident",
          List.of("C33"), "an incident is closed by a privacy officer other than the one it is about"));
    }
    Instant now = enforcer.clock().instant();
    return storage.inTransaction(w -> {
      if (!w.incidents().close(id, outcome, note, closedBy, now)) {
        throw new Conflict("this incident is closed already");
      }
      w.audit(AuditRecord.recorded("staff", closedBy, "close-incident").purpose(Vocabulary.PROTECT)
          .rules(List.of("incident:" + id, "outcome:" + outcome)).clauses(List.of("C33")).requestId(requestId).build());
      return w.incidents().find(id).orElseThrow();
    });
  }
}
