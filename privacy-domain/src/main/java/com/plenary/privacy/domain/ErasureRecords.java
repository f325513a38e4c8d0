package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;

/**
 * The record of each erasure and the keys it still has to destroy: written with the deletion of the
 * data, so a crash between that and the keys' destruction leaves a record that says what to finish.
 */
public interface ErasureRecords {
  void add(String erasureId, String subjectId, Instant at, String summary, List<String> keyOwners);

  /** The keys an erasure has still to destroy. */
  List<String> pendingKeys(String erasureId);

  /** Strikes a destroyed key off its erasure's list. */
  void keyDestroyed(String owner);

  void complete(String erasureId, Instant at);

  /** Erasures a crash interrupted, oldest first. */
  List<String> unfinished();
}
