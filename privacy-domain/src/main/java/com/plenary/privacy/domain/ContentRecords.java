package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Messages and posted content kept for a person, sealed with their key, until their retention runs out. */
public interface ContentRecords {
  record Item(String id, String service, String kind, String purpose, String category, String text, Instant createdAt, Instant deleteAfter) {}

  void add(String subjectId, Item item);

  /** The person's items, opened, oldest first. */
  List<Item> of(String subjectId);

  Map<String, Integer> countByCategory(String subjectId);

  /** Deletes every item whose retention ran out by {@code now}; returns how many, by category. */
  Map<String, Integer> deleteExpired(Instant now);
}
