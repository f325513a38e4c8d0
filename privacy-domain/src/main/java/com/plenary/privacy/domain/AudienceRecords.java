package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Named audiences (C16): lists of people's pseudonymous ids that an owner (a service) saved, to send to
 * in bulk by name. Every send decides each member again; erasing a person removes them from every list.
 */
public interface AudienceRecords {
  /** An audience as its owner sees it: its name, how many people it holds, when it was saved. */
  record Audience(String name, int members, Instant createdAt) {}

  /** Saves {@code subjectIds} as the owner's audience {@code name}, replacing an audience of that name; answers how many it holds. */
  int save(String owner, String name, Collection<String> subjectIds, Instant at);

  /** The owner's audiences, by name. */
  List<Audience> of(String owner);

  /** The members of the owner's audience {@code name}, ordered by id; empty when there is no such audience. */
  Optional<List<String>> members(String owner, String name);

  /** Deletes the owner's audience {@code name}; answers whether there was one. */
  boolean delete(String owner, String name);
}
