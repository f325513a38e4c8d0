package com.plenary.privacy.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * Legal requests (C26): the sub-ground, the requesting authority, its reference and justification,
 * the scope (people by their pseudonymous ids, and categories), the deadline, and each step — created,
 * approved or rejected, narrowed, released once.
 */
public interface LegalRequestRecords {
  /** A legal request as it stands. {@code status}: pending, approved, rejected, released. */
  record Request(String id, String ground, String authority, String reference, String justification, List<String> categories, LocalDate deadline,
      String status, String createdBy, Instant createdAt, String approvedBy, Instant approvedAt, String rejectedBy, String rejection,
      Instant rejectedAt, String releasedBy, Instant releasedAt, int people) {
    public Request {
      categories = List.copyOf(categories);
    }
  }

  /** One row of the transparency report: requests of one sub-ground from one authority, and what became of them. */
  record Count(String ground, String authority, int requests, int released, int rejected, int pending) {}

  void add(Request request, List<String> subjects);

  /** The request, locked for the rest of the transaction. */
  Optional<Request> lock(String id);

  Optional<Request> find(String id);

  /** The people in the request's scope, by id. */
  List<String> subjects(String id);

  /** Every request, newest first. */
  List<Request> all();

  /** Replaces the request's state (status, approval, rejection, release, categories, count of people). */
  void update(Request request);

  /** Narrows the people in scope to {@code subjects}. */
  void keepSubjects(String id, List<String> subjects);

  /** Counts of the requests created in [from, to), by sub-ground and authority. */
  List<Count> report(Instant from, Instant to);
}
