package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Usage events, the browsers they come from and the partner records linked to people. */
public interface EventRecords {
  /** A partner's record combined with a person. */
  record Link(String id, String partner, String purpose, String linkedBy, Instant createdAt) {}

  /** What an erasure removed and which keys it leaves to destroy. */
  record Erased(Map<String, Integer> counts, List<String> keyOwners) {}

  /**
   * The person's events and those of their browsers and linked partner records, oldest first, opened
   * as the caller iterates (an export of any size streams); iterate within the transaction.
   */
  Iterable<Map<String, Object>> of(String subjectId);

  /** The newest events stored, opened. */
  List<Map<String, Object>> newest(int limit);

  List<Link> links(String subjectId);

  /** Links the partner's record of {@code identifier} to the person; a record linked to anyone already is a {@link Conflict}. */
  Link link(String subjectId, String partner, String identifier, String purpose, String linkedBy, Instant at);

  /** Removes one of the person's links; false when they have none by that id. */
  boolean unlink(String subjectId, String linkId);

  /** Ties the browser known by its cookie to the person and attaches its earlier events; returns how many. */
  int attachBrowser(String cookie, String subjectId);

  /** Deletes the person's events, browsers and linked partner records. */
  Erased eraseFor(String subjectId);

  /** Deletes events received at or before {@code cutoff}; returns how many. */
  int deleteReceivedBy(Instant cutoff);
}
