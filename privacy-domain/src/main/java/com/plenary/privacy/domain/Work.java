package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;

/**
 * One transaction of a use case: the enforcer's {@link Tx} (facts and audit trail) and the records it
 * may touch once the enforcer has decided. Every record port works within this transaction.
 */
public interface Work extends Tx {
  /** An audit entry about a person, as their export shows it: who, what, why, the answer and the rules that gave it. */
  record Trail(Instant at, String by, String action, String purpose, List<String> categories, String decision, List<String> clauses, List<String> rules) {
    public Trail {
      categories = List.copyOf(categories);
      clauses = List.copyOf(clauses);
      rules = List.copyOf(rules);
    }
  }

  /**
   * This transaction's facts for a registration: the person being registered accepts the policy version
   * in force as they register, although no row says so yet.
   */
  Tx accepting(int policyVersion);

  PersonRecords people();

  ConsentRecords consents();

  ContentRecords content();

  EventRecords events();

  RequestRecords requests();

  ErasureRecords erasures();

  StaffRecords staff();

  ReviewRecords reviews();

  /** Incidents (C33): followed up and closed by privacy officers. */
  IncidentRecords incidents();

  /** Counts and deadlines of people's requests (access, correction, erasure) since {@code since}, for review reports; no person named. */
  List<RequestRecords.Request> requestsSince(Instant since);
  /** The outbox, unsubscriptions and suppression list (C16). */
  MessageRecords messages();

  /** The registry of recipients and their agreements (C25). */
  RecipientRecords recipients();
  /** The message gateway's templates (C16). */
  TemplateRecords templates();

  /** Aggregate statistics: events through dimensions, releases, privacy budgets (C27). */
  AggregateRecords aggregates();

  /** The message gateway's named audiences (C16). */
  AudienceRecords audiences();

  /** The policy versions published, and people's answers to them (C36). */
  PolicyRecords policies();

  /** Disclosures, the recipients' webhook endpoints and correction notices (C23–C28, C35). */
  DisclosureRecords disclosures();

  /** Legal requests (C26). */
  LegalRequestRecords legalRequests();

  /** The audit entries about a person, oldest first, at most {@code limit}. */
  List<Trail> trailOf(String subjectId, int limit);
}
