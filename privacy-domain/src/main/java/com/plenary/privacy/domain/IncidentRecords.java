package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Incidents (C33): a staff attempt the engine denied, or a break-glass use — who, what, when and
 * which rules, never a personal value — followed up and closed by a privacy officer. Only the
 * {@link Enforcer} opens one ({@link Tx#openIncident}); the note of a closing is sealed by the store.
 */
public interface IncidentRecords {
  String DENIED = "denied";
  String BREAK_GLASS = "break-glass";
  String OPEN = "open";
  String CLOSED = "closed";

  /** The outcomes a closing may record. */
  List<String> OUTCOMES = List.of("no-action", "training", "disciplinary-referral", "contract-termination");

  /** One incident. {@code subject} is a person's pseudonymous id (null when none was named). */
  record Incident(String id, String kind, String staffId, Instant openedAt, String operation, String purpose, String subject, List<String> categories,
      List<String> rules, List<String> clauses, String requestId, String status, String outcome, String note, String closedBy, Instant closedAt) {
    public Incident {
      categories = List.copyOf(categories);
      rules = List.copyOf(rules);
      clauses = List.copyOf(clauses);
    }
  }

  /** What to list: each null or blank filter matches everything. */
  record Filter(String status, String kind, String staffId, Instant since, Instant until, int limit) {}

  Optional<Incident> find(String id);

  /** Incidents matching {@code filter}, newest first. */
  List<Incident> list(Filter filter);

  /** Closes an open incident; false when it is closed already. */
  boolean close(String id, String outcome, String note, String closedBy, Instant at);
}
