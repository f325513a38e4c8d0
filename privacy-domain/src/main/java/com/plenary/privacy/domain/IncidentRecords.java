package com.plenary.privacy.domain;

import java.time.Duration;
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

  /**
   * How long after its last attempt an open incident of kind {@link #DENIED} still takes in a repeat: the
   * same staff member denied the same operation, purpose and person by the same rules. A repeat counts as
   * another attempt (and adds its categories) instead of opening an incident of its own; a pause longer
   * than this, or a closed incident, opens a new one. Break-glass openings never join.
   */
  Duration REPEAT_WINDOW = Duration.ofMinutes(15);

  /** The outcomes a closing may record. */
  List<String> OUTCOMES = List.of("no-action", "training", "disciplinary-referral", "contract-termination");

  /**
   * One incident. {@code subject} is a person's pseudonymous id (null when none was named); {@code attempts}
   * how many denied attempts it stands for (1 for a break-glass opening), the last at {@code lastSeenAt}.
   */
  record Incident(String id, String kind, String staffId, Instant openedAt, String operation, String purpose, String subject, List<String> categories,
      List<String> rules, List<String> clauses, String requestId, String status, String outcome, String note, String closedBy, Instant closedAt,
      int attempts, Instant lastSeenAt) {
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
